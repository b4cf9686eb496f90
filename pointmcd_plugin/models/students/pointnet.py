from typing import Dict, List, Optional, Sequence, Union

import torch
from mmcv.cnn import ConvModule
from mmdet3d.registry import MODELS
from mmengine.model import BaseModule
from torch import Tensor, nn


class TransformNet(BaseModule):
    """PointNet's T-Net predicting a (C, C) transform of C-channel points
    (C=3: the input transform; C=64: the feature transform).

    Shared MLP 64-128-1024, max pool, MLP 512-256, linear to C x C;
    ``init_weights`` sets it to the identity transform.
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


# The name it had when it was only the input transform.
InputTransformNet = TransformNet


def feature_transform_regularizer(trans: Tensor) -> Tensor:
    """PointNet's orthogonality regulariser of a feature transform:
    ``mean_b ||I - A_b A_b^T||_F`` over the batch.

    This is the form of the PointMCD authors' PointNet students (and of the
    common PyTorch PointNet, whose ``feature_transform_reguliarzer`` they
    use): the Frobenius norm, not squared, averaged over the batch. (The
    original TensorFlow PointNet sums the squared norms over the batch.)

    Args:
        trans (Tensor): (B, C, C) transforms A.

    Returns:
        Tensor: Scalar.
    """
    eye = torch.eye(trans.size(1), dtype=trans.dtype, device=trans.device)
    residual = eye - torch.bmm(trans, trans.transpose(1, 2))
    return torch.linalg.matrix_norm(residual).mean()


@MODELS.register_module()
class PointNetEncoder(BaseModule):
    """PointNet point encoder (Qi et al., 2017) exposing point-wise,
    per-level and global features.

    Optional input T-Net on xyz, then shared MLPs (1x1 convs with BN + ReLU),
    optionally with PointNet's feature transform: a T-Net predicting a
    (C, C) transform A of the point features after the first
    ``feature_transform_after`` layers (C = their width: 64 after the
    mlp(64, 64) stage of the default layout, as in PointNet), which the
    following layers read as ``x A``. Its orthogonality regulariser
    (:func:`feature_transform_regularizer`, weighted by
    ``feature_transform_reg_weight``) is returned by
    :meth:`regularizer_losses` for the task model to add to its losses
    (``PointClassifier.loss`` does).

    State-dict keys: ``stn.*`` (input T-Net), ``mlps.{l}.conv.weight`` /
    ``mlps.{l}.bn.*``, and with the feature transform ``fstn.*``. With
    ``feature_transform=False`` the modules, their initialisation and the
    outputs are those of the encoder without the option.

    Args:
        in_channels (int): Input channels per point (3 or 6). Defaults to 3.
        channels (Sequence[int]): Output channels of the shared MLPs; the
            last is the point-feature size. Defaults to
            (64, 64, 64, 128, 1024).
        input_transform (bool): Whether to learn a 3x3 transform of the
            xyz coordinates (normals, if any, are rotated with them).
        feature_transform (bool): Whether to learn a transform of the
            point features. Defaults to False.
        feature_transform_after (int): Number of shared-MLP layers before
            the feature transform, 1 <= it < len(channels). Defaults to 2
            (after mlp(64, 64), as in PointNet; the PointMCD authors'
            student has the layout ``channels=(64, 128, 1024),
            feature_transform_after=1``, with a smaller feature T-Net).
        feature_transform_reg_weight (float): Weight of the regulariser in
            ``loss_feat_transform``. Defaults to 0.001 (PointNet, PointMCD).
        norm_cfg (dict): Norm of every layer.
        init_cfg (dict, optional): Initialisation config.

    Inputs:
        points (Tensor): (B, N, in_channels).

    Returns:
        dict:

        - ``point_feats`` (B, N, channels[-1]): the last layer's output,
          non-negative.
        - ``level_feats`` (list[Tensor]): the output of every shared-MLP
          layer ``l``, (B, N, channels[l]); with the feature transform,
          level ``feature_transform_after - 1`` is the feature before it is
          transformed (what PointNet's segmentation network concatenates).
        - ``global_feat`` (B, channels[-1]): max-pooled ``point_feats``.
        - ``feat_transform`` (B, C, C): the feature transform A, only with
          ``feature_transform=True``.

        All channels last; ``point_channels``, ``level_channels`` and
        ``global_channels`` give the widths.
    """

    def __init__(self,
                 in_channels: int = 3,
                 channels: Sequence[int] = (64, 64, 64, 128, 1024),
                 input_transform: bool = True,
                 feature_transform: bool = False,
                 feature_transform_after: int = 2,
                 feature_transform_reg_weight: float = 0.001,
                 norm_cfg: Dict = dict(type='BN1d'),
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if in_channels not in (3, 6):
            raise ValueError('PointNetEncoder supports xyz (3) or xyz + '
                             f'normals (6) input channels, got {in_channels}')
        if feature_transform and not \
                1 <= feature_transform_after < len(channels):
            raise ValueError(
                'PointNetEncoder: feature_transform_after is the number of '
                'shared-MLP layers before the feature transform, between 1 '
                f'and {len(channels) - 1} for channels={tuple(channels)}; got '
                f'{feature_transform_after}')
        self.in_channels = in_channels
        self.stn = TransformNet(3, norm_cfg) if input_transform else None
        layers = []
        c_in = in_channels
        for c_out in channels:
            layers.append(
                ConvModule(c_in, c_out, 1, bias=False,
                           conv_cfg=dict(type='Conv1d'), norm_cfg=norm_cfg,
                           act_cfg=dict(type='ReLU')))
            c_in = c_out
        self.mlps = nn.Sequential(*layers)
        # Built after the other layers, so that they are initialised from
        # the same random numbers with or without it.
        self.fstn = None
        self.feature_transform_after = feature_transform_after
        self.feature_transform_reg_weight = feature_transform_reg_weight
        if feature_transform:
            self.fstn = TransformNet(channels[feature_transform_after - 1],
                                     norm_cfg)
        self.point_channels = channels[-1]
        self.level_channels = list(channels)
        self.global_channels = channels[-1]

    def forward(self, points: Tensor) -> Dict[str, Union[Tensor, List]]:
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
        x = points.transpose(1, 2).contiguous()  # (B, C, N)
        out = dict()
        levels = []
        for i, layer in enumerate(self.mlps):
            x = layer(x)
            levels.append(x)
            if self.fstn is not None and \
                    i == self.feature_transform_after - 1:
                feat_trans = self.fstn(x)  # (B, C, C)
                x = torch.bmm(feat_trans.transpose(1, 2), x)  # (x^T A)^T
                out['feat_transform'] = feat_trans
        out.update(point_feats=x.transpose(1, 2),
                   level_feats=[f.transpose(1, 2) for f in levels],
                   global_feat=x.max(dim=-1)[0])
        return out

    def regularizer_losses(self, feats: Dict) -> Dict[str, Tensor]:
        """The backbone's own regularisers, for the task model's losses.

        Args:
            feats (dict): This encoder's output for the batch.

        Returns:
            dict: ``loss_feat_transform`` = ``feature_transform_reg_weight``
            x :func:`feature_transform_regularizer` of ``feat_transform``
            with the feature transform; empty without it.
        """
        if self.fstn is None:
            return {}
        return dict(loss_feat_transform=self.feature_transform_reg_weight *
                    feature_transform_regularizer(feats['feat_transform']))
