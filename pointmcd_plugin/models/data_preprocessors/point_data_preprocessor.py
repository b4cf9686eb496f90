from typing import Dict, List, Sequence

import torch
from mmdet3d.registry import MODELS
from mmengine.model import BaseDataPreprocessor
from torch import Tensor


@MODELS.register_module()
class PointDataPreprocessor(BaseDataPreprocessor):
    """Moves a batch to the model's device and stacks fixed-size inputs.

    Object-level point clouds (ModelNet40, ShapeNetPart, ...) are sampled to
    a fixed number of points by the pipeline, so ``inputs['points']`` (a list
    of (N, C) tensors) becomes one (B, N, C) float tensor. Any other key of
    ``inputs`` holding equally shaped tensors is stacked the same way,
    keeping its dtype: multi-view ``img`` becomes (B, K, C, H, W) uint8,
    converted only by the teacher's own preprocessor.

    Args:
        stack_keys (Sequence[str]): Keys of ``inputs`` to stack.
    """

    def __init__(self, stack_keys: Sequence[str] = ('points', 'img'),
                 non_blocking: bool = False) -> None:
        super().__init__(non_blocking=non_blocking)
        self.stack_keys = tuple(stack_keys)

    def forward(self, data: Dict, training: bool = False) -> Dict:
        data = self.cast_data(data)
        inputs = dict(data['inputs'])
        for key in self.stack_keys:
            if key in inputs:
                inputs[key] = self._stack(key, inputs[key])
        return dict(inputs=inputs, data_samples=data.get('data_samples'))

    @staticmethod
    def _stack(key: str, values) -> Tensor:
        if isinstance(values, Tensor):
            return values
        values: List[Tensor] = list(values)
        shapes = {tuple(v.shape) for v in values}
        if len(shapes) != 1:
            raise ValueError(
                f'PointDataPreprocessor cannot stack inputs[{key!r}] of '
                f'different shapes {sorted(shapes)}; sample every cloud to '
                'the same number of points in the pipeline (SamplePoints).')
        return torch.stack(values).float() if key == 'points' \
            else torch.stack(values)
