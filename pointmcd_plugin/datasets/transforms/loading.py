import os.path as osp
from typing import Dict, Optional

import numpy as np
from mmcv.transforms import BaseTransform
from mmdet3d.registry import TRANSFORMS


@TRANSFORMS.register_module()
class LoadTeacherDescriptors(BaseTransform):
    """Attach a sample's cached teacher descriptors, looked up by its index.

    The teacher runs once over a dataset split and its per-view descriptors
    are stored as one ``.npy`` array of shape (num_samples, K, D), row ``i``
    for the sample whose ``sample_idx`` is ``i``. The file is memory-mapped
    (each DataLoader worker maps it once, nothing is copied up front), so
    splits of any size load in constant memory. Adds
    ``teacher_descriptors`` (K, D) float32.

    Use it with datasets whose ``sample_idx`` is stable (all loaders here
    number a split's samples in file order), and point it at the file
    exported for the same split.

    Args:
        path (str): The ``.npy`` file.
        num_views (int, optional): Expected K; checked when the file is
            opened.
        index_key (str): Key of ``results`` holding the row index.
    """

    def __init__(self, path: str, num_views: Optional[int] = None,
                 index_key: str = 'sample_idx') -> None:
        self.path = path
        self.num_views = num_views
        self.index_key = index_key
        self._array: Optional[np.ndarray] = None

    def _descriptors(self) -> np.ndarray:
        if self._array is None:
            if not osp.isfile(self.path):
                raise FileNotFoundError(
                    f'LoadTeacherDescriptors: {self.path} is missing; export '
                    'the teacher descriptors of this split first')
            array = np.load(self.path, mmap_mode='r')
            if array.ndim != 3:
                raise ValueError(
                    f'{self.path}: expected (num_samples, num_views, dim) '
                    f'descriptors, got shape {array.shape}')
            if self.num_views is not None and array.shape[1] != self.num_views:
                raise ValueError(
                    f'{self.path}: {array.shape[1]} views per sample, but '
                    f'num_views={self.num_views}')
            self._array = array
        return self._array

    def transform(self, results: Dict) -> Dict:
        array = self._descriptors()
        if self.index_key not in results:
            raise KeyError(f'LoadTeacherDescriptors needs '
                           f'results[{self.index_key!r}]')
        idx = int(results[self.index_key])
        if not 0 <= idx < len(array):
            raise IndexError(
                f'{self.path} holds descriptors of {len(array)} samples, '
                f'but {self.index_key}={idx}: it was exported for another '
                'split or dataset')
        results['teacher_descriptors'] = np.array(array[idx],
                                                  dtype=np.float32)
        return results

    def __getstate__(self) -> Dict:
        # Workers re-open the file rather than pickling a memory map.
        state = self.__dict__.copy()
        state['_array'] = None
        return state

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(path={self.path!r}, '
                f'num_views={self.num_views})')
