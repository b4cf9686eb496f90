from typing import Dict, List, Optional, Tuple, Union

from mmdet3d.registry import MODELS
from mmengine.model import BaseModel
from mmpretrain.structures import DataSample
from torch import Tensor


@MODELS.register_module()
class PointClassifier(BaseModel):
    """Point-cloud classifier: data preprocessor, point encoder, optional
    neck, head.

    A sibling of mmpretrain's ``ImageClassifier``: the encoder (a student
    such as :class:`DGCNNEncoder`) returns point-wise and global features,
    the head (e.g. ``mmpretrain.StackedLinearClsHead``) owns the loss and
    the prediction post-processing, and results travel in mmpretrain
    ``DataSample`` objects.

    The encoder may also be one of mmdet3d's point backbones (e.g.
    ``PointNet2SASSG``, whose dict holds ``sa_xyz`` / ``sa_features`` /
    ``sa_indices``); a ``neck`` (e.g. :class:`GlobalSANeck`) then turns its
    output into the global feature.

    ``loss`` returns the head's losses with its ``loss`` renamed
    ``loss_cls`` (mmengine's ``parse_losses`` logs the total of all
    entries named ``*loss*`` as ``loss``; a part named ``loss`` would
    replace that total in the logs, though not in the optimised loss),
    plus the backbone's own regularisers when it has a
    ``regularizer_losses(feats)`` method (e.g. ``loss_feat_transform`` of
    a :class:`PointNetEncoder` with ``feature_transform=True``, weighted by
    its ``feature_transform_reg_weight``).

    Args:
        backbone (dict): Point encoder config; its forward takes the
            (B, N, 3 + C) points and returns a dict, with ``point_feats``
            (B, N, C) and ``global_feat`` (B, G) unless a neck follows.
        head (dict): Classification head config taking ``(global_feat,)``.
        data_preprocessor (dict, optional): Defaults to
            ``PointDataPreprocessor``.
        init_cfg (dict, optional): Initialisation config.
        neck (dict, optional): Module mapping the backbone's dict to the
            (B, G) global feature. Defaults to reading ``global_feat``.
    """

    def __init__(self,
                 backbone: Dict,
                 head: Dict,
                 data_preprocessor: Optional[Dict] = None,
                 init_cfg: Optional[Dict] = None,
                 neck: Optional[Dict] = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='PointDataPreprocessor')
        if isinstance(data_preprocessor, dict):
            data_preprocessor = MODELS.build(data_preprocessor)
        super().__init__(init_cfg=init_cfg,
                         data_preprocessor=data_preprocessor)
        self.backbone = MODELS.build(backbone)
        self.neck = MODELS.build(neck) if neck is not None else None
        self.head = MODELS.build(head)

    def extract_point_feat(self,
                           inputs: Dict[str, Tensor]) -> Dict[str, Tensor]:
        """Run the encoder on ``inputs['points']`` (B, N, C).

        Returns the encoder's dict (``point_feats`` (B, N, C') and
        ``global_feat`` (B, G) for this plugin's encoders). Distillers and
        probes call this.
        """
        return self.backbone(inputs['points'])

    def extract_feat(self, inputs: Dict[str, Tensor]) -> Tuple[Tensor]:
        """Global feature as the one-element tuple mmpretrain heads take."""
        return self._global_feat(self.extract_point_feat(inputs))

    def _global_feat(self, feats: Dict) -> Tuple[Tensor]:
        """(B, G) global feature, as a one-element tuple, of the encoder's
        output ``feats``."""
        if self.neck is not None:
            return (self.neck(feats), )
        if not isinstance(feats, dict) or 'global_feat' not in feats:
            keys = list(feats) if isinstance(feats, dict) else \
                type(feats).__name__
            raise KeyError(
                f'PointClassifier: the backbone returned {keys}, no '
                "'global_feat'; add a neck that makes the global feature "
                "(e.g. dict(type='GlobalSANeck', ...) after PointNet2SASSG)")
        return (feats['global_feat'], )

    def forward(self,
                inputs: Dict[str, Tensor],
                data_samples: Optional[List[DataSample]] = None,
                mode: str = 'tensor') -> Union[Dict, List, Tensor]:
        """``loss`` -> dict of losses; ``predict`` -> data samples with
        ``pred_score``/``pred_label``; ``tensor`` -> logits (B, K)."""
        if mode == 'tensor':
            return self.head(self.extract_feat(inputs))
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        raise RuntimeError(f'Invalid mode "{mode}"; expected "tensor", '
                           '"loss" or "predict".')

    def loss(self, inputs: Dict[str, Tensor],
             data_samples: List[DataSample]) -> Dict[str, Tensor]:
        """``loss_cls`` (the head's ``loss``), the head's other entries,
        and the backbone's ``regularizer_losses``; the encoder runs once."""
        feats = self.extract_point_feat(inputs)
        losses = {
            'loss_cls' if key == 'loss' else key: value
            for key, value in self.head.loss(self._global_feat(feats),
                                             data_samples).items()
        }
        regularizers = getattr(self.backbone, 'regularizer_losses', None)
        if regularizers is not None:
            for key, value in regularizers(feats).items():
                if key in losses:
                    raise KeyError(
                        f'PointClassifier: the backbone regulariser {key!r} '
                        f'collides with a head entry ({sorted(losses)})')
                losses[key] = value
        return losses

    def predict(self, inputs: Dict[str, Tensor],
                data_samples: Optional[List[DataSample]] = None
                ) -> List[DataSample]:
        return self.head.predict(self.extract_feat(inputs), data_samples)
