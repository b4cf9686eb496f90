from typing import Dict, Optional

from mmdet3d.registry import MODELS
from torch import Tensor

from ..point_task_model import PointTaskModel
from .part_seg_head import SampleList


@MODELS.register_module()
class PointPartSegmentor(PointTaskModel):
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

    def _tensor(self, inputs: Dict[str, Tensor],
                data_samples: Optional[SampleList]) -> Tensor:
        """(B, P, N) logits; the head reads the category from the
        samples, so every mode needs them."""
        return self.head(self.extract_feat(inputs), data_samples)

    def loss(self, inputs: Dict[str, Tensor],
             data_samples: SampleList) -> Dict[str, Tensor]:
        """``loss_seg`` and the backbone's ``regularizer_losses``."""
        point_feats = self.extract_point_feat(inputs)
        losses = dict(self.head.loss(self._with_neck(point_feats),
                                     data_samples))
        return self._add_regularizers(losses, point_feats)

    def predict(self, inputs: Dict[str, Tensor],
                data_samples: SampleList) -> SampleList:
        """The samples with ``pred_pts_seg.pts_semantic_mask`` (N,) (the
        category's parts only) and ``pts_seg_logits.pts_seg_logits``
        (P, N)."""
        return self.head.predict(self.extract_feat(inputs), data_samples)
