from typing import Dict, Optional, Sequence

import torch
from mmcv.cnn import ConvModule
from mmdet3d.registry import MODELS
from mmengine.model import BaseModule
from torch import Tensor, nn


class InputTransformNet(BaseModule):
    """PointNet's T-Net predicting a (C, C) transform of the input points.

    Initialised to the identity transform.
    """

    def __init__(self, channels: int = 3,
                 norm_cfg: Dict = dict(type='BN1d')) -> None:
        super().__init__()
        self.channels = channels
        conv = dict(conv_cfg=dict(type='Conv1d'), norm_cfg=norm_cfg,
                    act_cfg=dict(type='ReLU'), bias=False)
        self.convs = nn.Sequential(
            ConvModule(channels, 64, 1, **conv),
            ConvModule(64, 128, 1, **conv),
            ConvModule(128, 1024, 1, **conv))
        self.mlp = nn.Sequential(
            nn.Linear(1024, 512, bias=False), nn.BatchNorm1d(512), nn.ReLU(),
            nn.Linear(512, 256, bias=False), nn.BatchNorm1d(256), nn.ReLU())
        self.fc = nn.Linear(256, channels * channels)

    def init_weights(self) -> None:
        super().init_weights()
        nn.init.zeros_(self.fc.weight)
        with torch.no_grad():
            self.fc.bias.copy_(torch.eye(self.channels).flatten())

    def forward(self, x: Tensor) -> Tensor:
        """x (B, C, N) -> transform (B, C, C)."""
        feat = self.convs(x).max(dim=-1)[0]
        return self.fc(self.mlp(feat)).view(-1, self.channels, self.channels)


@MODELS.register_module()
class PointNetEncoder(BaseModule):
    """PointNet point encoder (Qi et al., 2017) exposing point-wise features.

    Optional input T-Net on xyz, then shared MLPs (1x1 convs with BN + ReLU).
    The feature transform of the original paper is not included.

    Args:
        in_channels (int): Input channels per point (3 or 6). Defaults to 3.
        channels (Sequence[int]): Output channels of the shared MLPs; the
            last is the point-feature size. Defaults to (64, 64, 64, 128, 1024).
        input_transform (bool): Whether to learn a 3x3 transform of the
            xyz coordinates (normals, if any, are rotated with them).
        norm_cfg (dict): Norm of every layer.
        init_cfg (dict, optional): Initialisation config.

    Inputs:
        points (Tensor): (B, N, in_channels).

    Returns:
        dict: ``point_feats`` (B, N, channels[-1]), non-negative;
        ``global_feat`` (B, channels[-1]), max-pooled.
    """

    def __init__(self,
                 in_channels: int = 3,
                 channels: Sequence[int] = (64, 64, 64, 128, 1024),
                 input_transform: bool = True,
                 norm_cfg: Dict = dict(type='BN1d'),
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if in_channels not in (3, 6):
            raise ValueError('PointNetEncoder supports xyz (3) or xyz + '
                             f'normals (6) input channels, got {in_channels}')
        self.in_channels = in_channels
        self.stn = InputTransformNet(3, norm_cfg) if input_transform else None
        layers = []
        c_in = in_channels
        for c_out in channels:
            layers.append(
                ConvModule(c_in, c_out, 1, bias=False,
                           conv_cfg=dict(type='Conv1d'), norm_cfg=norm_cfg,
                           act_cfg=dict(type='ReLU')))
            c_in = c_out
        self.mlps = nn.Sequential(*layers)
        self.point_channels = channels[-1]
        self.global_channels = channels[-1]

    def forward(self, points: Tensor) -> Dict[str, Tensor]:
        if points.dim() != 3 or points.shape[-1] != self.in_channels:
            raise ValueError(f'{type(self).__name__} expects points of shape '
                             f'(B, N, {self.in_channels}), got '
                             f'{tuple(points.shape)}')
        if self.stn is not None:
            trans = self.stn(points[..., :3].transpose(1, 2))
            parts = [torch.bmm(points[..., :3], trans)]
            if self.in_channels == 6:
                parts.append(torch.bmm(points[..., 3:], trans))
            points = torch.cat(parts, dim=-1)
        x = self.mlps(points.transpose(1, 2).contiguous())  # (B, C, N)
        return dict(point_feats=x.transpose(1, 2),
                    global_feat=x.max(dim=-1)[0])
