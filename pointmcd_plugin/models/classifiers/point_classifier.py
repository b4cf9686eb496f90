from typing import Dict, List, Optional, Tuple

from mmdet3d.registry import MODELS
from mmpretrain.structures import DataSample
from torch import Tensor

from ..point_task_model import PointTaskModel


@MODELS.register_module()
class PointClassifier(PointTaskModel):
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
        return self._add_regularizers(losses, feats)

    def predict(self, inputs: Dict[str, Tensor],
                data_samples: Optional[List[DataSample]] = None
                ) -> List[DataSample]:
        return self.head.predict(self.extract_feat(inputs), data_samples)
