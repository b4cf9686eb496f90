from typing import Dict, List, Optional, Union

from mmdet3d.registry import MODELS
from mmengine.model import BaseModel
from torch import Tensor

from .folding_head import SampleList


@MODELS.register_module()
class PointAutoEncoder(BaseModel):
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

    def __init__(self,
                 backbone: Dict,
                 head: Dict,
                 neck: Optional[Dict] = None,
                 data_preprocessor: Optional[Dict] = None,
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

    def forward(self,
                inputs: Dict[str, Tensor],
                data_samples: Optional[SampleList] = None,
                mode: str = 'tensor') -> Union[Dict, List, Tensor]:
        """``loss`` -> dict of losses; ``predict`` -> data samples with
        ``pred_points`` and ``codeword``; ``tensor`` -> (B, M, 3)
        reconstruction."""
        if mode == 'tensor':
            return self.head(self.extract_feat(inputs))
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        raise RuntimeError(f'Invalid mode "{mode}"; expected "tensor", '
                           '"loss" or "predict".')

    def loss(self, inputs: Dict[str, Tensor],
             data_samples: Optional[SampleList] = None
             ) -> Dict[str, Tensor]:
        """``loss_chamfer`` (the head's) and the backbone's
        ``regularizer_losses``; the data samples are not read."""
        feats = self.extract_point_feat(inputs)
        losses = dict(self.head.loss(self._codeword(feats),
                                     self._target(inputs)))
        regularizers = getattr(self.backbone, 'regularizer_losses', None)
        if regularizers is not None:
            for key, value in regularizers(feats).items():
                if key in losses:
                    raise KeyError(
                        f'PointAutoEncoder: the backbone regulariser {key!r} '
                        f'collides with a head loss ({sorted(losses)})')
                losses[key] = value
        return losses

    def predict(self, inputs: Dict[str, Tensor],
                data_samples: Optional[SampleList] = None) -> SampleList:
        """The samples with ``pred_points`` (M, 3), the reconstruction, and
        ``codeword`` (D,) (see :meth:`FoldingHead.predict`)."""
        return self.head.predict(self.extract_feat(inputs), data_samples)
