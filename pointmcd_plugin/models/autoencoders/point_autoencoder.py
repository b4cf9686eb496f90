from typing import Dict, Optional

from mmdet3d.registry import MODELS
from torch import Tensor

from ..point_task_model import PointTaskModel
from .folding_head import SampleList


@MODELS.register_module()
class PointAutoEncoder(PointTaskModel):
    """Point-cloud auto-encoder (FoldingNet): data preprocessor, point
    encoder, optional neck (global feature -> codeword), decoder head; a
    sibling of :class:`PointClassifier` and :class:`PointPartSegmentor`.

    The encoder (:class:`FoldingNetEncoder`, or :class:`DGCNNEncoder`)
    returns the students' dict: ``point_feats`` (B, N, C) before the global
    pooling (what ``PointMCDDistiller`` records from ``backbone`` and
    pools per view), ``level_feats`` and ``global_feat``. The codeword is
    the neck's output on that dict (:class:`CodewordNeck`), or
    ``global_feat`` itself without a neck. The head
    (:class:`FoldingHead`) decodes the codeword to points, owns the
    reconstruction loss against the input points (``loss_chamfer``) and
    writes the prediction into the data samples. No label is read.

    ``loss`` returns the head's losses plus the backbone's own
    regularisers when it has ``regularizer_losses(feats)``; the encoder
    runs once.

    Args:
        backbone (dict): Point encoder config; takes (B, N, 3 + C) points.
        head (dict): Decoder head config (:class:`FoldingHead`).
        neck (dict, optional): Module mapping the encoder's dict to the
            (B, D) codeword. None: the codeword is ``global_feat``.
        data_preprocessor (dict, optional): Defaults to
            ``PointDataPreprocessor``.
        init_cfg (dict, optional): Initialisation config.
    """

    def extract_feat(self, inputs: Dict[str, Tensor]) -> Tensor:
        """(B, D) codeword of ``inputs['points']`` (B, N, C)."""
        return self._codeword(self.extract_point_feat(inputs))

    def _codeword(self, feats: Dict) -> Tensor:
        if self.neck is not None:
            return self.neck(feats)
        if not isinstance(feats, dict) or 'global_feat' not in feats:
            keys = list(feats) if isinstance(feats, dict) else \
                type(feats).__name__
            raise KeyError(
                f'PointAutoEncoder: the backbone returned {keys}, no '
                "'global_feat'; add a neck that makes the codeword (e.g. "
                "dict(type='CodewordNeck', in_channels=1024))")
        return feats['global_feat']

    @staticmethod
    def _target(inputs: Dict[str, Tensor]) -> Tensor:
        """(B, N, 3) xyz of the input points, the reconstruction target."""
        points = inputs['points']
        if points.dim() != 3 or points.shape[-1] < 3:
            raise ValueError('PointAutoEncoder expects inputs["points"] of '
                             f'shape (B, N, >=3), got {tuple(points.shape)}')
        return points[..., :3]

    def loss(self, inputs: Dict[str, Tensor],
             data_samples: Optional[SampleList] = None
             ) -> Dict[str, Tensor]:
        """``loss_chamfer`` (the head's) and the backbone's
        ``regularizer_losses``; the data samples are not read."""
        feats = self.extract_point_feat(inputs)
        losses = dict(self.head.loss(self._codeword(feats),
                                     self._target(inputs)))
        return self._add_regularizers(losses, feats)

    def predict(self, inputs: Dict[str, Tensor],
                data_samples: Optional[SampleList] = None) -> SampleList:
        """The samples with ``pred_points`` (M, 3), the reconstruction, and
        ``codeword`` (D,) (see :meth:`FoldingHead.predict`)."""
        return self.head.predict(self.extract_feat(inputs), data_samples)
