"""The image decoder of the label-free (auto-encoding) teacher: from one
view descriptor back to the view, with its reconstruction loss."""
from typing import Dict, Optional, Sequence, Tuple

import torch.nn.functional as F
from mmcv.cnn import ConvModule, build_activation_layer, build_norm_layer
from mmdet3d.registry import MODELS
from mmengine.model import BaseModule
from torch import Tensor, nn


@MODELS.register_module()
class ViewDecoderHead(BaseModule):
    """Decode a view from its descriptor alone: the PointMCD authors'
    ``CNN_Backbone_Pretrainer`` decoder (github keeganhk/PointMCD,
    cdbs/modules.py), which pre-trains their VGG11-bn encoder as an image
    auto-encoder with an L1 loss.

    The descriptor (N, D) is lifted by a linear layer + norm + activation
    to a ``seed_channels`` x ``seed_size`` map, upsampled (bilinear, x2),
    then every entry of ``channels`` applies a 3x3 conv + norm +
    activation followed by another x2 upsampling; a last 3x3 conv (no norm,
    no activation) gives ``out_channels``. The map reaches
    ``seed_size * 2 ** (len(channels) + 1)`` (the authors: 7 x 7 seed,
    channels 256-128-64-32, 224 px); when that is not the views' size it
    is resized (bilinear) to it. There is no skip connection: the view
    passes through the descriptor, which is what is distilled.

    The head owns the loss (``loss_recon``: ``loss`` of the reconstruction
    against the normalised view, every pixel and channel).

    Args:
        in_channels (int): Width D of the descriptors.
        out_channels (int): Channels of the reconstructed views (the
            encoder's input channels).
        seed_size (Sequence[int]): (h, w) of the lifted map.
        seed_channels (int): Channels of the lifted map.
        channels (Sequence[int]): Width of each conv block, coarse to fine.
        norm_cfg (dict): Norm of the blocks; its 1-d twin (``BN`` ->
            ``BN1d``) normalises the lifted descriptor.
        act_cfg (dict): Activation of the lift and the blocks.
        align_corners (bool): Of the bilinear upsampling (the authors'
            ``UpsamplingBilinear2d`` aligns corners).
        loss (dict): Loss config, called as ``loss(pred, target)`` on
            (N, C, H, W) views.
        init_cfg (dict, optional): Initialisation config.

    Inputs:
        descriptors (Tensor): (N, D), N = views of the batch (B * K).
        img_size (Sequence[int]): (H, W) of the views.

    Returns (``forward``):
        Tensor: (N, out_channels, H, W) reconstructed normalised views.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int = 3,
                 seed_size: Sequence[int] = (7, 7),
                 seed_channels: int = 256,
                 channels: Sequence[int] = (256, 128, 64, 32),
                 norm_cfg: Dict = dict(type='BN'),
                 act_cfg: Dict = dict(type='ReLU'),
                 align_corners: bool = True,
                 loss: Dict = dict(type='mmdet.L1Loss', loss_weight=1.0),
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        seed_size = tuple(int(s) for s in seed_size)
        channels = tuple(int(c) for c in channels)
        if len(seed_size) != 2 or min(seed_size) < 1:
            raise ValueError('ViewDecoderHead: seed_size must be (h, w) of '
                             f'positive ints, got {seed_size}')
        if not channels:
            raise ValueError('ViewDecoderHead: channels must list the width '
                             'of at least one conv block')
        self.in_channels = int(in_channels)
        self.out_channels = int(out_channels)
        self.seed_size = seed_size
        self.seed_channels = int(seed_channels)
        self.align_corners = align_corners
        seed_numel = self.seed_channels * seed_size[0] * seed_size[1]
        norm_1d = dict(norm_cfg, type=_one_d(norm_cfg['type']))
        self.lift = nn.Sequential(
            nn.Linear(self.in_channels, seed_numel, bias=False),
            build_norm_layer(norm_1d, seed_numel)[1],
            build_activation_layer(act_cfg))
        blocks, c_prev = [], self.seed_channels
        for c in channels:
            blocks.append(ConvModule(c_prev, c, 3, padding=1,
                                     norm_cfg=norm_cfg, act_cfg=act_cfg))
            c_prev = c
        self.blocks = nn.ModuleList(blocks)
        self.conv_out = nn.Conv2d(c_prev, self.out_channels, 3, padding=1)
        self.loss_module = MODELS.build(loss)

    @property
    def output_size(self) -> Tuple[int, int]:
        """(H, W) the blocks reach before any final resize."""
        scale = 2**(len(self.blocks) + 1)
        return self.seed_size[0] * scale, self.seed_size[1] * scale

    def _up(self, x: Tensor) -> Tensor:
        return F.interpolate(x, scale_factor=2, mode='bilinear',
                             align_corners=self.align_corners)

    def forward(self, descriptors: Tensor,
                img_size: Sequence[int]) -> Tensor:
        """(N, out_channels, H, W) views; see the class docstring."""
        if descriptors.ndim != 2 or descriptors.size(1) != self.in_channels:
            raise ValueError(
                f'ViewDecoderHead expects (N, in_channels={self.in_channels}'
                f') descriptors, got {tuple(descriptors.shape)}')
        x = self.lift(descriptors).view(-1, self.seed_channels,
                                        *self.seed_size)
        x = self._up(x)
        for block in self.blocks:
            x = self._up(block(x))
        x = self.conv_out(x)
        if tuple(x.shape[-2:]) != tuple(img_size):
            x = F.interpolate(x, size=tuple(img_size), mode='bilinear',
                              align_corners=self.align_corners)
        return x

    def loss(self, descriptors: Tensor, target: Tensor) -> Dict[str, Tensor]:
        """``loss_recon`` of the views decoded from ``descriptors`` (N, D)
        against ``target`` (N, out_channels, H, W), the normalised views."""
        if target.ndim != 4 or target.size(1) != self.out_channels:
            raise ValueError(
                'ViewDecoderHead.loss expects target views (N, '
                f'out_channels={self.out_channels}, H, W), got '
                f'{tuple(target.shape)}')
        pred = self(descriptors, target.shape[-2:])
        return dict(loss_recon=self.loss_module(pred, target))


def _one_d(norm_type: str) -> str:
    """The 1-d norm matching a 2-d norm type of a conv block."""
    for two_d, one_d in (('BN', 'BN1d'), ('SyncBN', 'SyncBN'),
                         ('BN2d', 'BN1d'), ('LN', 'LN'), ('GN', 'GN')):
        if norm_type == two_d:
            return one_d
    raise ValueError(f'ViewDecoderHead: no 1-d norm for norm_cfg type '
                     f'{norm_type!r}; use BN, SyncBN, GN or LN')
