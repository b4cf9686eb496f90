"""PointNet++'s classification ending for mmdet3d's set-abstraction
backbones."""
import copy
from typing import Dict, List, Optional

from mmdet3d.registry import MODELS
from mmengine.model import BaseModule
from torch import Tensor


@MODELS.register_module()
class GlobalSANeck(BaseModule):
    """Global set abstraction (or plain pooling) of one level of an mmdet3d
    point backbone's output, as the global feature of a classifier.

    PointNet++ classifies after a last set abstraction over all remaining
    points (``GroupAll``). mmdet3d's ``PointNet2SASSG`` cannot end with that
    level itself (its ``sa_indices`` bookkeeping gathers with the ``None``
    indices a ``GroupAll`` level returns), so it ends at the last anchored
    level and this neck adds the global one: an mmdet3d ``PointSAModule``
    with ``num_point=None``, built by mmdet3d's ``build_sa_module``.
    Without ``sa_cfg`` the level is max / avg pooled instead.

    Args:
        sa_cfg (dict, optional): mmdet3d SA module config, e.g.
            ``dict(type='PointSAModule', num_point=None, radius=None,
            num_sample=None, mlp_channels=[256, 256, 512, 1024])``.
        level (int): Level of ``sa_xyz`` / ``sa_features`` to read.
        pool (str): ``'max'`` or ``'avg'`` when there is no ``sa_cfg``.
        init_cfg (dict, optional): Initialisation config.

    Input: the backbone's dict with ``sa_xyz`` (list of (B, M, 3)) and
    ``sa_features`` (list of (B, C, M)). Output: (B, C') global feature.
    """

    def __init__(self,
                 sa_cfg: Optional[Dict] = None,
                 level: int = -1,
                 pool: str = 'max',
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if pool not in ('max', 'avg'):
            raise ValueError(f"GlobalSANeck: pool must be 'max' or 'avg', "
                             f'got {pool!r}')
        self.level = level
        self.pool = pool
        self.sa = None
        if sa_cfg is not None:
            # mmdet3d's SA modules widen mlp_channels[0] in place: build
            # from a deep copy, so one config builds any number of necks.
            sa_cfg = copy.deepcopy(dict(sa_cfg))
            if sa_cfg.get('num_point') is not None:
                raise ValueError(
                    'GlobalSANeck: sa_cfg.num_point must be None (a global '
                    f"set abstraction), got {sa_cfg['num_point']}")
            # Imported here: mmdet3d.models pulls in torchvision and
            # triton, which importing the plugin avoids.
            from mmdet3d.models.layers import build_sa_module
            self.sa = build_sa_module(sa_cfg)

    def forward(self, feats: Dict[str, List[Tensor]]) -> Tensor:
        try:
            xyz = feats['sa_xyz'][self.level]
            point_feats = feats['sa_features'][self.level]
        except (KeyError, TypeError, IndexError) as e:
            keys = list(feats) if isinstance(feats, dict) else \
                type(feats).__name__
            raise KeyError(
                f'GlobalSANeck reads level {self.level} of sa_xyz / '
                f"sa_features (mmdet3d's PointNet2SASSG output); the "
                f'backbone returned {keys}') from e
        if point_feats is None and self.sa is None:
            raise ValueError(
                f'GlobalSANeck: sa_features[{self.level}] is None (the '
                'input level of a backbone fed xyz only); read a later '
                'level')
        if self.sa is not None:
            point_feats = self.sa(xyz, point_feats)[1]  # (B, C', 1)
        if self.pool == 'max':
            return point_feats.amax(dim=-1)
        return point_feats.mean(dim=-1)
