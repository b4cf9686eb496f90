"""The per-pixel part decoder of the segmentation teacher: a U-Net over an
image backbone's stages, conditioned on the shape's category, with its loss
and its category-restricted prediction."""
from typing import Dict, Optional, Sequence

import torch
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmdet3d.registry import MODELS
from mmengine.model import BaseModule
from torch import Tensor, nn


@MODELS.register_module()
class UNetPartSegHead(BaseModule):
    """U-Net decoder from an image backbone's multi-scale features to
    per-pixel part logits (``num_parts`` parts of a shared label space +
    background), conditioned on the shape's category: the PointMCD
    segmentation teacher's decoder.

    The bottleneck is the last (coarsest) feature map. Its global average
    pool (the view descriptor) and the category one-hot, lifted by a 1x1
    conv + norm + activation to ``category_channels``, are fused (1x1 conv
    + norm + activation to ``fuse_channels``), broadcast over the
    bottleneck and joined to it (1x1 conv to ``bottleneck_channels``).
    Then, from coarse to fine, the decoder is upsampled (bilinear) to the
    next skip feature map, concatenated with it and mixed by a 3x3 conv +
    norm + activation (``decoder_channels``); last it is upsampled to the
    image, mixed by a 3x3 conv to ``out_channels`` and classified by a 1x1
    conv. As the authors' ``Teacher_Seg`` (github keeganhk/PointMCD), whose
    classifier is a 3x3 conv.

    Class ``num_parts`` is the background (the authors' labelled views
    store 50 there; ``RenderPointViews(part_labels=True,
    label_background=num_parts)`` renders it so).

    The head owns its loss (``loss_seg``: ``loss`` over all pixels and all
    ``num_parts + 1`` classes, as the authors train) and its prediction:
    the argmax over the parts of the shape's category and the background.

    Args:
        in_channels (Sequence[int]): Channels of the backbone's feature
            maps, fine to coarse (the backbone's output order); the last
            is the bottleneck, the others are skips.
        num_parts (int): Parts of the shared label space (50 in
            ShapeNetPart); the logits have ``num_parts + 1`` classes.
        num_categories (int): Shape categories (16 in ShapeNetPart).
        category_channels (int): Width of the lifted category one-hot.
        fuse_channels (int): Width of the fused descriptor + category.
        bottleneck_channels (int, optional): Width of the decoder at the
            bottleneck; defaults to ``in_channels[-1]``.
        decoder_channels (Sequence[int], optional): Width of the decoder
            at each skip, fine to coarse (``len(in_channels) - 1``
            values); defaults to the skips' own widths.
        out_channels (int): Width of the full-resolution conv before the
            classifier.
        norm_cfg / act_cfg (dict): Norm and activation of every conv but
            the classifier.
        align_corners (bool): Of the bilinear upsampling.
        loss (dict): Loss config, called as ``loss(logits (M, P + 1),
            labels (M,))`` over the M pixels of the batch.
        init_cfg (dict, optional): Initialisation config.

    Inputs:
        feats (Sequence[Tensor]): ``len(in_channels)`` maps
            (N, C_l, H_l, W_l), N = views of the batch (B * K).
        categories (Tensor): (N,) int64 category of every view.
        img_size (tuple): (H, W) of the views.

    Returns (``forward``):
        Tensor: (N, num_parts + 1, H, W) logits.
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 num_parts: int,
                 num_categories: int,
                 category_channels: int = 64,
                 fuse_channels: int = 128,
                 bottleneck_channels: Optional[int] = None,
                 decoder_channels: Optional[Sequence[int]] = None,
                 out_channels: int = 64,
                 norm_cfg: Dict = dict(type='BN'),
                 act_cfg: Dict = dict(type='ReLU'),
                 align_corners: bool = False,
                 loss: Dict = dict(type='mmpretrain.CrossEntropyLoss'),
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        in_channels = tuple(int(c) for c in in_channels)
        if not in_channels:
            raise ValueError('UNetPartSegHead: in_channels must list the '
                             "widths of the backbone's feature maps (at "
                             'least the bottleneck)')
        skips = in_channels[:-1]
        if decoder_channels is None:
            decoder_channels = skips
        decoder_channels = tuple(int(c) for c in decoder_channels)
        if len(decoder_channels) != len(skips):
            raise ValueError(
                f'UNetPartSegHead: decoder_channels {decoder_channels} must '
                f'have one width per skip feature map ({len(skips)}: '
                f'in_channels {in_channels} but the last)')
        if bottleneck_channels is None:
            bottleneck_channels = in_channels[-1]
        self.in_channels = in_channels
        self.num_parts = num_parts
        self.num_classes = num_parts + 1
        self.background = num_parts
        self.num_categories = num_categories
        self.align_corners = align_corners
        conv = dict(norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.category_lift = ConvModule(num_categories, category_channels, 1,
                                        **conv)
        self.fuse = ConvModule(in_channels[-1] + category_channels,
                               fuse_channels, 1, **conv)
        self.bottleneck = ConvModule(in_channels[-1] + fuse_channels,
                                     bottleneck_channels, 1, **conv)
        # up_blocks[l] joins the decoder to skip l (fine to coarse order).
        ups = []
        c_prev = bottleneck_channels
        for c_skip, c_out in reversed(list(zip(skips, decoder_channels))):
            ups.append(ConvModule(c_prev + c_skip, c_out, 3, padding=1,
                                  **conv))
            c_prev = c_out
        self.up_blocks = nn.ModuleList(reversed(ups))
        self.out_conv = ConvModule(c_prev, out_channels, 3, padding=1, **conv)
        self.conv_seg = nn.Conv2d(out_channels, self.num_classes, 1)
        self.loss_module = MODELS.build(loss)

    def _upsample(self, x: Tensor, size: Sequence[int]) -> Tensor:
        if tuple(x.shape[-2:]) == tuple(size):
            return x
        return F.interpolate(x, size=tuple(size), mode='bilinear',
                             align_corners=self.align_corners)

    def _category_onehot(self, categories: Tensor, like: Tensor) -> Tensor:
        """(N, num_categories, 1, 1) one-hot of the categories."""
        categories = torch.as_tensor(categories, device=like.device).long()
        if categories.shape != (like.shape[0], ):
            raise ValueError(
                f'UNetPartSegHead: expected one category per view '
                f'({like.shape[0]}), got shape {tuple(categories.shape)}')
        if categories.min() < 0 or categories.max() >= self.num_categories:
            raise ValueError(
                f'UNetPartSegHead: category {int(categories.max())} is '
                f'outside num_categories={self.num_categories}; set it to '
                'the number of classes of the dataset')
        return F.one_hot(categories, self.num_categories).to(
            like.dtype)[..., None, None]

    def forward(self, feats: Sequence[Tensor], categories: Tensor,
                img_size: Sequence[int]) -> Tensor:
        """(N, num_parts + 1, H, W) logits; see the class docstring."""
        feats = tuple(feats)
        widths = tuple(f.shape[1] for f in feats)
        if widths != self.in_channels:
            raise ValueError(
                f'UNetPartSegHead: in_channels={self.in_channels}, but the '
                f'backbone gives feature maps of {widths} channels; set '
                "in_channels to them (the backbone's out_indices, fine to "
                'coarse)')
        bottom = feats[-1]
        descriptor = bottom.mean(dim=(2, 3), keepdim=True)  # (N, C, 1, 1)
        category = self.category_lift(
            self._category_onehot(categories, bottom))
        glob = self.fuse(torch.cat([descriptor, category], dim=1))
        x = self.bottleneck(torch.cat(
            [bottom, glob.expand(-1, -1, *bottom.shape[-2:])], dim=1))
        for skip, block in zip(reversed(feats[:-1]),
                               reversed(self.up_blocks)):
            x = block(torch.cat([skip, self._upsample(x, skip.shape[-2:])],
                                dim=1))
        x = self.out_conv(self._upsample(x, img_size))
        return self.conv_seg(x)

    def loss(self, feats: Sequence[Tensor], categories: Tensor,
             labels: Tensor) -> Dict[str, Tensor]:
        """``loss_seg`` of all pixels against ``labels`` (N, H, W) int64
        (part ids, ``num_parts`` for the background)."""
        if labels.ndim != 3:
            raise ValueError('UNetPartSegHead.loss expects labelled views '
                             f'(N, H, W), got shape {tuple(labels.shape)}')
        if labels.min() < 0 or labels.max() > self.background:
            raise ValueError(
                f'UNetPartSegHead: view label {int(labels.max())} (or '
                f'{int(labels.min())}) is outside the part ids 0..'
                f'{self.num_parts - 1} and background {self.background}; '
                'render the labelled views with label_background=num_parts '
                "and set num_parts to the size of the dataset's label space")
        logits = self(feats, categories, labels.shape[-2:])
        scores = logits.permute(0, 2, 3, 1).reshape(-1, self.num_classes)
        return dict(loss_seg=self.loss_module(scores, labels.reshape(-1)))

    def allowed_classes(self, part_ids: Sequence[Sequence[int]],
                        device: torch.device) -> Tensor:
        """(N, num_parts + 1) bool: the parts of each view's category
        (``part_ids``, N sequences) and the background."""
        allowed = torch.zeros(len(part_ids), self.num_classes,
                              dtype=torch.bool)
        allowed[:, self.background] = True
        for i, ids in enumerate(part_ids):
            ids = torch.as_tensor(tuple(ids), dtype=torch.long)
            if len(ids) and (ids.min() < 0 or ids.max() >= self.num_parts):
                raise ValueError(
                    f'UNetPartSegHead: part ids {ids.tolist()} are outside '
                    f'the num_parts={self.num_parts} parts of the head')
            allowed[i, ids] = True
        return allowed.to(device)

    def predict(self, feats: Sequence[Tensor], categories: Tensor,
                part_ids: Sequence[Sequence[int]],
                img_size: Sequence[int]) -> Tensor:
        """(N, H, W) int64: per pixel the argmax over the parts of the
        view's category (``part_ids``, N sequences) and the background."""
        logits = self(feats, categories, img_size)
        return restricted_argmax(
            logits, self.allowed_classes(part_ids, logits.device))


def restricted_argmax(logits: Tensor, allowed: Tensor) -> Tensor:
    """Per-pixel argmax over the allowed classes only.

    Args:
        logits (Tensor): (N, P, H, W).
        allowed (Tensor): (N, P) bool.

    Returns:
        Tensor: (N, H, W) int64 class indices.
    """
    masked = logits.masked_fill(~allowed[:, :, None, None], float('-inf'))
    return masked.argmax(dim=1)
