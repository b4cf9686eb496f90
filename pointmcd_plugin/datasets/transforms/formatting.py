from typing import Dict, Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmdet3d.registry import TRANSFORMS
from mmpretrain.structures import DataSample


@TRANSFORMS.register_module()
class PackPointInputs(BaseTransform):
    """Pack a sample into ``inputs`` and an mmpretrain ``DataSample``.

    ``inputs``: ``points`` (N, C) float32 and, when present, ``images``
    float32: (K, H, W) grey renders or (K, 3, H, W) colour views (from
    (K, H, W, 3)). The data sample carries what the sample has of
    ``gt_label`` (class), ``visibility`` ((N, K) bool, per-view visible
    points), ``gt_pts_part_label`` ((N,) int64), ``category`` (int),
    ``teacher_descriptors`` ((K, D) float32) and ``gt_view_part_label``
    ((K, H, W) int64, from ``view_part_labels``), and ``meta_keys`` as
    metainfo.

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
        if 'images' in results:
            images = np.asarray(results['images'], dtype=np.float32)
            if images.ndim == 4:  # (K, H, W, 3) colour views -> (K, 3, H, W)
                images = images.transpose(0, 3, 1, 2)
            inputs['images'] = torch.from_numpy(np.ascontiguousarray(images))
        sample = DataSample()
        if 'gt_label' in results:
            sample.set_gt_label(results['gt_label'])
        if 'visibility' in results:
            vis = results['visibility']
            if vis.shape[0] != len(points):
                raise ValueError(
                    f'visibility has {vis.shape[0]} rows but the sample has '
                    f'{len(points)} points; compute it after the last '
                    'transform that adds or removes points')
            sample.set_field(torch.from_numpy(np.ascontiguousarray(vis)),
                             'visibility', dtype=torch.Tensor)
        if 'pts_part_label' in results:
            sample.set_field(
                torch.from_numpy(np.asarray(results['pts_part_label'],
                                            dtype=np.int64)),
                'gt_pts_part_label', dtype=torch.Tensor)
        if 'category' in results:
            sample.set_field(int(results['category']), 'category')
        for key, field, dtype in (
                ('teacher_descriptors', 'teacher_descriptors', np.float32),
                ('view_part_labels', 'gt_view_part_label', np.int64)):
            if key in results:
                sample.set_field(
                    torch.from_numpy(np.asarray(results[key], dtype=dtype)),
                    field, dtype=torch.Tensor)
        sample.set_metainfo(
            {k: results[k] for k in self.meta_keys if k in results})
        return dict(inputs=inputs, data_samples=sample)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(meta_keys={self.meta_keys})'
