from typing import Dict, Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmdet3d.registry import TRANSFORMS
from mmpretrain.structures import DataSample


@TRANSFORMS.register_module()
class PackPointInputs(BaseTransform):
    """Pack a sample into ``inputs`` and an mmpretrain ``DataSample``.

    ``inputs['points']``: (N, C) float32 tensor. The data sample carries
    ``gt_label`` when the sample has one, and ``meta_keys`` as metainfo.

    Args:
        meta_keys (Sequence[str]): Keys of ``results`` copied to the data
            sample's metainfo when present.
    """

    def __init__(self, meta_keys: Sequence[str] = ('sample_idx', )) -> None:
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: Dict) -> Dict:
        points = results['points']
        if not isinstance(points, np.ndarray) or points.ndim != 2:
            raise TypeError('PackPointInputs expects results["points"] as an '
                            f'(N, C) numpy array, got {type(points)}')
        inputs = dict(points=torch.from_numpy(
            np.ascontiguousarray(points, dtype=np.float32)))
        sample = DataSample()
        if 'gt_label' in results:
            sample.set_gt_label(results['gt_label'])
        sample.set_metainfo(
            {k: results[k] for k in self.meta_keys if k in results})
        return dict(inputs=inputs, data_samples=sample)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(meta_keys={self.meta_keys})'
