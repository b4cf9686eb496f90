from typing import Dict, Optional

import torch
from mmcv.cnn import build_activation_layer, build_norm_layer
from mmdet3d.registry import MODELS
from mmengine.model import BaseModule
from torch import Tensor, nn

from ..ops.masked_max import check_backend, masked_view_max


@MODELS.register_module()
class VAFP(BaseModule):
    """Visibility-aware feature projection (PointMCD).

    For every view k, the student's point features are max-pooled over the
    points visible in that view (a true masked max, see
    :func:`~pointmcd_plugin.ops.masked_view_max`), and one alignment layer
    shared by all views (Linear, norm, activation; the paper's FC + BN +
    ReLU, 1024 -> 512) maps each pooled feature to the teacher's descriptor
    size.

    Views that see no point pool to 0, are marked invalid and get a
    descriptor of 0 with no gradient. The alignment layer runs on the valid
    descriptors only, so empty views never enter the batch statistics of
    the norm (in training, BN needs at least two valid views in the batch).
    A distillation loss should be averaged over ``valid`` views.

    Args:
        in_channels (int): Channels C of the point features.
        out_channels (int): Descriptor size D. Defaults to 512.
        backend (str): Pooling backend, ``'auto'``, ``'torch'``, ``'mmcv'``
            or ``'triton'``. Defaults to ``'auto'``.
        norm_cfg (dict, optional): Norm after the linear layer, normalising
            over the valid (sample, view) descriptors. None for no norm (the
            linear layer then has a bias). Defaults to ``dict(type='BN1d')``.
        act_cfg (dict, optional): Activation, None for none. Defaults to
            ``dict(type='ReLU')``.
        init_cfg (dict, optional): Initialisation config.

    Inputs:
        feats (Tensor): (B, M, C) point features.
        visibility (Tensor): (B, N, K) bool, point n visible in view k.
        indices (Tensor, optional): (B, M) integer indices into the N points
            of the M points the features live on (the sampled anchors of a
            hierarchical student); visibility is taken at them. Without it
            M must equal N.

    Returns:
        dict: ``pooled`` (B, K, C) masked max per view, ``descriptors``
        (B, K, D), ``valid`` (B, K) bool, whether the view sees a point.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int = 512,
                 backend: str = 'auto',
                 norm_cfg: Optional[Dict] = dict(type='BN1d'),
                 act_cfg: Optional[Dict] = dict(type='ReLU'),
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        check_backend(backend)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.backend = backend
        self.fc = nn.Linear(in_channels, out_channels, bias=norm_cfg is None)
        self.norm = (build_norm_layer(norm_cfg, out_channels)[1]
                     if norm_cfg is not None else None)
        self.act = (build_activation_layer(act_cfg)
                    if act_cfg is not None else None)

    def _visibility_at_feats(self, feats: Tensor, visibility: Tensor,
                             indices: Optional[Tensor]) -> Tensor:
        """Check the shapes; (B, M, K) visibility of the featured points."""
        if feats.dim() != 3 or feats.shape[-1] != self.in_channels:
            raise ValueError(f'VAFP expects feats (B, M, {self.in_channels}), '
                             f'got {tuple(feats.shape)}')
        batch, num_feats = feats.shape[:2]
        if visibility.dim() != 3 or visibility.shape[0] != batch:
            raise ValueError(f'VAFP expects visibility ({batch}, N, K) for '
                             f'feats {tuple(feats.shape)}, got '
                             f'{tuple(visibility.shape)}')
        if visibility.dtype != torch.bool:
            raise ValueError('VAFP expects bool visibility, got '
                             f'{visibility.dtype}')
        num_points, num_views = visibility.shape[1:]
        if indices is None:
            if num_points != num_feats:
                raise ValueError(
                    f'visibility {tuple(visibility.shape)} has N={num_points} '
                    f'points but feats {tuple(feats.shape)} has '
                    f'M={num_feats}; pass indices ({batch}, {num_feats}) of '
                    'the points the features live on')
            return visibility
        if indices.shape != (batch, num_feats) or \
                indices.dtype.is_floating_point or indices.dtype == torch.bool:
            raise ValueError(
                f'VAFP expects integer indices ({batch}, {num_feats}) '
                f'matching feats, got {indices.dtype} of shape '
                f'{tuple(indices.shape)}')
        if indices.numel() and (int(indices.min()) < 0
                                or int(indices.max()) >= num_points):
            raise ValueError(f'indices must lie in [0, {num_points}) (the '
                             'points of visibility), got values in '
                             f'[{int(indices.min())}, {int(indices.max())}]')
        index = indices.long().unsqueeze(-1).expand(-1, -1, num_views)
        return visibility.gather(1, index)

    def forward(self,
                feats: Tensor,
                visibility: Tensor,
                indices: Optional[Tensor] = None) -> Dict[str, Tensor]:
        """See the class docstring for inputs and outputs."""
        visibility = self._visibility_at_feats(feats, visibility, indices)
        pooled, valid = masked_view_max(feats, visibility, self.backend)
        batch, num_views, channels = pooled.shape
        rows = valid.flatten()
        x = self.fc(pooled.reshape(-1, channels)[rows])  # (V, D), V valid
        if self.norm is not None and x.shape[0] > 0:
            x = self.norm(x)
        if self.act is not None:
            x = self.act(x)
        descriptors = x.new_zeros(batch * num_views, self.out_channels)
        descriptors[rows] = x
        return dict(pooled=pooled,
                    descriptors=descriptors.view(batch, num_views, -1),
                    valid=valid)
