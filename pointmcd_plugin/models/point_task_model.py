"""The shared skeleton of the plugin's point-cloud task models (the
classifier, the part segmentor and the auto-encoder)."""
from typing import Dict, List, Optional, Union

from mmdet3d.registry import MODELS
from mmengine.model import BaseModel
from torch import Tensor


class PointTaskModel(BaseModel):
    """Data preprocessor, point encoder (``backbone``), optional ``neck``,
    ``head``, and the three-mode forward of mmengine models.

    Subclasses (:class:`PointClassifier`, :class:`PointPartSegmentor`,
    :class:`PointAutoEncoder`) define ``extract_feat``, ``loss`` and
    ``predict``; ``forward(mode='tensor')`` is ``head(extract_feat(inputs))``
    unless a subclass overrides :meth:`_tensor`. The encoder runs through
    :meth:`extract_point_feat` (what distillers and probes call) and returns
    a dict (``point_feats``, ``level_feats``, ``global_feat`` for this
    plugin's encoders).

    Args:
        backbone (dict): Point encoder config; takes (B, N, 3 + C) points.
        head (dict): Head config; owns the loss and the prediction.
        data_preprocessor (dict, optional): Defaults to
            ``PointDataPreprocessor``.
        init_cfg (dict, optional): Initialisation config.
        neck (dict, optional): Module mapping the encoder's dict to the
            head's input.
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

    def extract_point_feat(self, inputs: Dict[str, Tensor]) -> Dict:
        """The encoder's dict for ``inputs['points']`` (B, N, C)."""
        return self.backbone(inputs['points'])

    def _tensor(self, inputs: Dict[str, Tensor],
                data_samples: Optional[List]) -> Tensor:
        """``forward(mode='tensor')``: the head's raw output."""
        return self.head(self.extract_feat(inputs))

    def forward(self,
                inputs: Dict[str, Tensor],
                data_samples: Optional[List] = None,
                mode: str = 'tensor') -> Union[Dict, List, Tensor]:
        """``loss`` -> dict of losses; ``predict`` -> data samples;
        ``tensor`` -> the head's raw output (see the subclass)."""
        if mode == 'tensor':
            return self._tensor(inputs, data_samples)
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        raise RuntimeError(f'Invalid mode "{mode}"; expected "tensor", '
                           '"loss" or "predict".')

    def _add_regularizers(self, losses: Dict[str, Tensor],
                          feats: Dict) -> Dict[str, Tensor]:
        """``losses`` plus the backbone's ``regularizer_losses(feats)``
        (PointNet's ``loss_feat_transform``), if it has them; a name clash
        with a head loss is an error."""
        regularizers = getattr(self.backbone, 'regularizer_losses', None)
        if regularizers is not None:
            for key, value in regularizers(feats).items():
                if key in losses:
                    raise KeyError(
                        f'{type(self).__name__}: the backbone regulariser '
                        f'{key!r} collides with a head loss '
                        f'({sorted(losses)})')
                losses[key] = value
        return losses
