"""Reconstruction error of multi-view images: the label-free image
teacher's score."""
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmdet3d.registry import METRICS
from mmengine.evaluator import BaseMetric
from torch import Tensor

# The predicted views (MultiViewAutoEncoderTeacher.predict) and the inputs
# key of the views in the data batch.
PRED_FIELD = 'pred_views'
VIEWS_KEY = 'img'


@METRICS.register_module()
class ViewReconstructionMetric(BaseMetric):
    """Mean absolute error between reconstructed and input views.

    Reads ``pred_views`` (K, C, H, W) float, 0..255 pixel units, of every
    predicted data sample (:class:`MultiViewAutoEncoderTeacher`) and the
    sample's input views from the data batch (``inputs['img']``, the
    packer's uint8 (K, C', H, W), C' = 1 grey views broadcast over the C
    reconstructed channels, or C). Every shape is reduced to its mean
    absolute error in ``process``, so results gathered across processes
    stay small. Nothing else of the samples is read: no label.

    Returns ``l1``: the mean over shapes of the mean absolute error over
    their views, channels and pixels, in [0, 1] units (pixel values / 255;
    the L1 loss of a [0, 1]-scaled image, as the PointMCD authors train
    their image auto-encoder). Lower is better: a config saving the best
    checkpoint by it sets ``rule='less'``.

    Args:
        collect_device / prefix: As in mmengine's ``BaseMetric``.
    """
    default_prefix: Optional[str] = 'view_recon'

    def process(self, data_batch: Dict, data_samples: Sequence[Dict]) -> None:
        views = data_batch['inputs'].get(VIEWS_KEY) \
            if isinstance(data_batch, dict) else None
        if views is None or len(views) != len(data_samples):
            raise KeyError(
                'ViewReconstructionMetric compares the predictions with the '
                "input views, inputs['img'] (one (K, C, H, W) uint8 tensor "
                'per sample) of the data batch; pack the views '
                '(PackViewInputs)')
        for i, (sample, target) in enumerate(zip(data_samples, views)):
            pred = sample.get(PRED_FIELD) if isinstance(sample, dict) \
                else getattr(sample, PRED_FIELD, None)
            if pred is None:
                raise KeyError(
                    f'ViewReconstructionMetric: sample {i} has no '
                    f'{PRED_FIELD!r}; evaluate a model whose predict writes '
                    'the reconstructed views (MultiViewAutoEncoderTeacher)')
            self.results.append(self.sample_l1(pred, target))

    @staticmethod
    def sample_l1(pred: Tensor, target: Tensor) -> float:
        """Mean absolute error of one shape, [0, 1] units.

        Args:
            pred (Tensor): (K, C, H, W) float, 0..255.
            target (Tensor): (K, C', H, W) uint8, C' = 1 or C.
        """
        pred = torch.as_tensor(pred).detach().float().cpu()
        target = torch.as_tensor(target).cpu()
        if pred.ndim != 4 or target.ndim != 4 or \
                pred.shape[:1] + pred.shape[2:] != \
                target.shape[:1] + target.shape[2:] or \
                target.size(1) not in (1, pred.size(1)):
            raise ValueError(
                'ViewReconstructionMetric: predicted views '
                f'{tuple(pred.shape)} do not match the input views '
                f'{tuple(target.shape)} (K, C, H, W; input C = 1 or the '
                'predicted C)')
        return float((pred - target.float()).abs().mean() / 255.)

    def compute_metrics(self, results: List[float]) -> Dict[str, float]:
        if not results:
            raise ValueError('ViewReconstructionMetric: no sample was '
                             'evaluated')
        return dict(l1=float(np.mean(results)))
