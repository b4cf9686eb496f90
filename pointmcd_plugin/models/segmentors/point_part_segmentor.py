from typing import Dict, List, Optional, Union

from mmdet3d.registry import MODELS
from mmengine.model import BaseModel
from torch import Tensor

from .part_seg_head import SampleList


@MODELS.register_module()
class PointPartSegmentor(BaseModel):
    """Part segmentor (ShapeNetPart): data preprocessor, point encoder,
    optional neck, part-segmentation head; a sibling of
    :class:`PointClassifier`.

    The encoder (a student such as :class:`DGCNNEncoder` /
    :class:`PointNetEncoder`, or mmdet3d's ``PointNet2SASSG`` with its
    feature-propagation levels) returns a dict of per-point and global
    features; a ``neck`` (e.g. :class:`GlobalSANeck` after
    ``PointNet2SASSG``) may add the global feature to it (as
    ``global_feat``). The head (:class:`PartSegHead`) reads that dict and
    the shape's category from the data samples' metainfo (``category``,
    and ``part_ids`` to restrict the prediction to the category's parts),
    owns the loss and the prediction. Data samples are mmdet3d
    ``Det3DDataSample`` objects (``PackPartSegInputs``): per-point labels
    in ``gt_pts_seg.pts_semantic_mask``, predictions in
    ``pred_pts_seg.pts_semantic_mask`` and ``pts_seg_logits``.

    ``loss`` returns the head's ``loss_seg`` plus the backbone's own
    regularisers when it has ``regularizer_losses(feats)`` (PointNet's
    ``loss_feat_transform``). The backbone runs once per step, so a
    distiller's forward hook on it (``PointMCDDistiller``, recording the
    point-wise ``point_feats`` (B, N, C) before the global pooling) sees
    the features the head uses.

    Args:
        backbone (dict): Point encoder config; takes (B, N, 3 + C) points,
            returns a dict.
        head (dict): Head config (:class:`PartSegHead`).
        data_preprocessor (dict, optional): Defaults to
            ``PointDataPreprocessor``.
        neck (dict, optional): Module mapping the backbone's dict to the
            (B, G) global feature, stored as ``global_feat`` for the head.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 backbone: Dict,
                 head: Dict,
                 data_preprocessor: Optional[Dict] = None,
                 neck: Optional[Dict] = None,
                 init_cfg: Optional[Dict] = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='PointDataPreprocessor')
        if isinstance(data_preprocessor, dict):
            data_preprocessor = MODELS.build(data_preprocessor)
        super().__init__(init_cfg=init_cfg,
                         data_preprocessor=data_preprocessor)
        self.backbone = MODELS.build(backbone)
        self.neck = MODELS.build(neck) if neck is not None else None
        self.head = MODELS.build(head)

    def extract_point_feat(self, inputs: Dict[str, Tensor]) -> Dict:
        """The encoder's dict for ``inputs['points']`` (B, N, C)."""
        return self.backbone(inputs['points'])

    def extract_feat(self, inputs: Dict[str, Tensor]) -> Dict:
        """The encoder's dict, with the neck's (B, G) output as
        ``global_feat`` when there is a neck (a new dict: the encoder's
        own output is left as its forward returned it)."""
        return self._with_neck(self.extract_point_feat(inputs))

    def _with_neck(self, feats: Dict) -> Dict:
        if self.neck is None:
            return feats
        if not isinstance(feats, dict):
            raise TypeError('PointPartSegmentor: the backbone must return a '
                            f'dict, got {type(feats).__name__}')
        return dict(feats, global_feat=self.neck(feats))

    def forward(self,
                inputs: Dict[str, Tensor],
                data_samples: Optional[SampleList] = None,
                mode: str = 'tensor') -> Union[Dict, List, Tensor]:
        """``loss`` -> dict of losses; ``predict`` -> data samples with
        ``pred_pts_seg`` / ``pts_seg_logits``; ``tensor`` -> (B, P, N)
        logits. Every mode needs the data samples (the category)."""
        if mode == 'tensor':
            return self.head(self.extract_feat(inputs), data_samples)
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        raise RuntimeError(f'Invalid mode "{mode}"; expected "tensor", '
                           '"loss" or "predict".')

    def loss(self, inputs: Dict[str, Tensor],
             data_samples: SampleList) -> Dict[str, Tensor]:
        """``loss_seg`` and the backbone's ``regularizer_losses``."""
        point_feats = self.extract_point_feat(inputs)
        losses = dict(self.head.loss(self._with_neck(point_feats),
                                     data_samples))
        regularizers = getattr(self.backbone, 'regularizer_losses', None)
        if regularizers is not None:
            for key, value in regularizers(point_feats).items():
                if key in losses:
                    raise KeyError(
                        f'PointPartSegmentor: the backbone regulariser '
                        f'{key!r} collides with a head loss '
                        f'({sorted(losses)})')
                losses[key] = value
        return losses

    def predict(self, inputs: Dict[str, Tensor],
                data_samples: SampleList) -> SampleList:
        """The samples with ``pred_pts_seg.pts_semantic_mask`` (N,) (the
        category's parts only) and ``pts_seg_logits.pts_seg_logits``
        (P, N)."""
        return self.head.predict(self.extract_feat(inputs), data_samples)
