from numbers import Number
from typing import Dict, Optional, Sequence, Union

import torch
from mmdet3d.registry import MODELS
from torch import Tensor

from ..data_preprocessors import PointDataPreprocessor

Views = Union[Tensor, Sequence[Tensor]]


@MODELS.register_module()
class MultiViewImagePreprocessor(PointDataPreprocessor):
    """Turns batches of uint8 multi-view images into normalised float views.

    ``inputs['img']`` holds, per sample, a uint8 tensor (K, C, H, W) with
    C = 1 (rendered grey views) or C = ``num_channels`` (colour view files);
    collated, a list of them or one (B, K, C, H, W) tensor. The batch is
    moved to the model's device while still uint8, then converted to float,
    grey views are repeated to ``num_channels`` and every channel is
    normalised as ``(x - mean) / std`` (0-255 units, like mmpretrain's
    ``ClsDataPreprocessor``). Output ``inputs['img']``: float
    (B, K, num_channels, H, W).

    The other keys of ``inputs`` pass through after the device move; those
    named in ``stack_keys`` (``points`` lists of (N, C) -> float (B, N, C))
    are stacked as by :class:`PointDataPreprocessor`. ``data_samples`` are
    moved to the device unchanged.

    Distillers normalise the views of a student batch with
    :meth:`preprocess_views`.

    Args:
        mean (Sequence[Number], optional): Per-channel mean, 0-255 units,
            of length ``num_channels`` or 1 (broadcast). Defaults to None:
            with ``std`` None too, views are scaled to [0, 1]
            (mean 0, std 255). ImageNet-pretrained backbones want
            ``mean=(123.675, 116.28, 103.53), std=(58.395, 57.12, 57.375)``.
        std (Sequence[Number], optional): Per-channel standard deviation,
            same rules as ``mean``; both or neither must be given.
        num_channels (int): Channels the image backbone takes. Defaults to 3.
        stack_keys (Sequence[str]): Other keys of ``inputs`` to stack.
            Defaults to ``('points', )``.
        non_blocking (bool): Whether the device copy is non-blocking.
    """

    def __init__(self,
                 mean: Optional[Sequence[Number]] = None,
                 std: Optional[Sequence[Number]] = None,
                 num_channels: int = 3,
                 stack_keys: Sequence[str] = ('points', ),
                 non_blocking: bool = False) -> None:
        super().__init__(stack_keys=stack_keys, non_blocking=non_blocking)
        if (mean is None) != (std is None):
            raise ValueError('MultiViewImagePreprocessor needs both mean and '
                             f'std or neither, got mean={mean}, std={std}')
        self.num_channels = num_channels
        self.register_buffer(
            'mean', self._per_channel('mean', (0., ) if mean is None
                                      else mean), persistent=False)
        self.register_buffer(
            'std', self._per_channel('std', (255., ) if std is None
                                     else std), persistent=False)

    def _per_channel(self, name: str, values: Sequence[Number]) -> Tensor:
        values = torch.as_tensor(values, dtype=torch.float32).reshape(-1)
        if values.numel() not in (1, self.num_channels):
            raise ValueError(
                f'MultiViewImagePreprocessor {name} must have 1 or '
                f'num_channels={self.num_channels} values, got '
                f'{values.tolist()}')
        return values.expand(self.num_channels).reshape(
            1, 1, self.num_channels, 1, 1).clone()

    def forward(self, data: Dict, training: bool = False) -> Dict:
        """Preprocess a collated batch; see the class docstring."""
        if 'img' not in data['inputs']:
            raise KeyError(
                'MultiViewImagePreprocessor expects multi-view images in '
                f"inputs['img'], got keys {sorted(data['inputs'])}; load or "
                'render views in the pipeline and pack them as img.')
        data = super().forward(data, training)
        data['inputs']['img'] = self.preprocess_views(data['inputs']['img'])
        return data

    def preprocess_views(self, img: Views) -> Tensor:
        """Normalise uint8 views.

        Args:
            img: uint8 (B, K, C, H, W) tensor, or a list of B uint8
                (K, C, H, W) tensors, with C = 1 or ``num_channels``.

        Returns:
            Tensor: float (B, K, num_channels, H, W) on the model's device.
        """
        img = self._stack_views(img).to(self.device,
                                        non_blocking=self._non_blocking)
        if img.dtype != torch.uint8:
            raise TypeError(
                'MultiViewImagePreprocessor expects uint8 views in 0..255, '
                f'got {img.dtype}; keep views uint8 until this '
                'preprocessor normalises them.')
        channels = img.size(2)
        if channels not in (1, self.num_channels):
            raise ValueError(
                'MultiViewImagePreprocessor expects views with 1 (grey) or '
                f'num_channels={self.num_channels} channels in dim 2 of '
                f'(B, K, C, H, W), got shape {tuple(img.shape)}.')
        img = img.float().expand(-1, -1, self.num_channels, -1, -1)
        return (img - self.mean) / self.std

    @staticmethod
    def _stack_views(img: Views) -> Tensor:
        if isinstance(img, Tensor):
            if img.ndim != 5:
                raise ValueError(
                    'MultiViewImagePreprocessor expects a (B, K, C, H, W) '
                    f'batch of views, got shape {tuple(img.shape)}.')
            return img
        img = list(img)
        shapes = sorted({tuple(v.shape) for v in img})
        if not img or any(len(s) != 4 for s in shapes):
            raise ValueError(
                'MultiViewImagePreprocessor expects one (K, C, H, W) tensor '
                f'of views per sample, got shapes {shapes}.')
        if len(shapes) != 1:
            raise ValueError(
                'MultiViewImagePreprocessor cannot stack views of different '
                f'shapes {shapes} in one batch; give every sample the same '
                'number of views and image size.')
        return torch.stack(img)
