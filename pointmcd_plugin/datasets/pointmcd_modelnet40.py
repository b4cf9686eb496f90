import os.path as osp
from typing import Dict, List, Optional, Sequence

import mmcv
import numpy as np
from mmdet3d.registry import DATASETS

from .base import ShapeDataset
from .modelnet40 import MODELNET40_CLASSES

POINTMCD_MODELNET40_SOURCE = (
    "the PointMCD authors' pre-processed ModelNet40 (github keeganhk/"
    'PointMCD): data_root holds class_list.txt, {train,test}_list.txt, '
    'point_cloud_1024/, and optionally mv_image_12/ and '
    'mv_visibility_1024x12/')


@DATASETS.register_module()
class PointMCDModelNet40Dataset(ShapeDataset):
    """ModelNet40 in the PointMCD authors' pre-processed layout.

    ``data_root`` holds ``class_list.txt``, ``{train,test}_list.txt`` (shape
    names such as ``airplane_0001``) and, per shape,

    * ``point_cloud_1024/<class>/<name>.xyz``: (1024, 3) rows ``x y z``;
    * ``mv_image_12/<class>/<name>_<01..12>.jpg``: the 12 rendered views
      (``load_images``);
    * ``mv_visibility_1024x12/<class>/<name>_mvv.xyz``: (1024, 12) 0/1
      visibility (``load_visibility``).

    Teacher descriptors exported once (``descriptor_root``, the authors'
    ``expt`` folder) are read from ``mv_cdw/<class>/<name>_mv_cdw.xyz``
    (K, D) and attached as ``teacher_descriptors``.

    Samples carry ``points`` (P, 3) float32, ``gt_label``, ``shape_id`` and,
    as requested, ``images`` (K, H, W, 3) float32 in [0, 1],
    ``visibility`` (P, K) bool and ``teacher_descriptors`` (K, D) float32.

    Visibility read from files describes the un-augmented points (the
    authors do not recompute it); ``RenderPointViews`` recomputes it on the
    augmented points instead.
    """
    METAINFO = dict(classes=MODELNET40_CLASSES)
    SOURCE = POINTMCD_MODELNET40_SOURCE
    NUM_VIEWS = 12

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 load_images: bool = False,
                 load_visibility: bool = False,
                 descriptor_root: Optional[str] = None,
                 pipeline: Sequence = (),
                 test_mode: bool = False,
                 metainfo: Optional[Dict] = None,
                 **kwargs) -> None:
        self.load_images = load_images
        self.load_visibility = load_visibility
        self.descriptor_root = descriptor_root
        super().__init__(data_root=data_root, split=split, pipeline=pipeline,
                         test_mode=test_mode, metainfo=metainfo, **kwargs)

    def _lines(self, name: str) -> List[str]:
        return self._read_lines(
            name, 'class_list.txt, {train,test}_list.txt and point_cloud_1024/')

    def load_data_list(self) -> List[dict]:
        classes = self._adopt_classes(self._lines('class_list.txt'),
                                      'class_list.txt')
        data_list = []
        for i, name in enumerate(self._lines(f'{self.split}_list.txt')):
            cls_name = name[:-5]  # '<class>_<4 digits>'
            if cls_name not in classes:
                raise ValueError(f'{self.split}_list.txt: {name!r} is not '
                                 '"<class>_<4 digits>" with a listed class')
            data_list.append(dict(sample_idx=i, shape_id=name,
                                  class_name=cls_name,
                                  gt_label=classes.index(cls_name)))
        return data_list

    def _read_rows(self, path: str, columns: int) -> np.ndarray:
        if not osp.isfile(path):
            raise FileNotFoundError(f'{path} is missing ({self.SOURCE}).')
        rows = np.loadtxt(path, dtype=np.float32, ndmin=2)
        if rows.shape[1] != columns:
            raise ValueError(f'{path}: expected {columns} columns, got '
                             f'{rows.shape[1]}')
        return rows

    def get_data_info(self, idx: int) -> dict:
        info = super().get_data_info(idx)
        cls_name, name = info['class_name'], info['shape_id']
        info['points'] = self._read_rows(
            osp.join(self.data_root, 'point_cloud_1024', cls_name,
                     name + '.xyz'), 3)
        if self.load_visibility:
            vis = self._read_rows(
                osp.join(self.data_root, 'mv_visibility_1024x12', cls_name,
                         name + '_mvv.xyz'), self.NUM_VIEWS)
            if len(vis) != len(info['points']):
                raise ValueError(f'{name}: {len(vis)} visibility rows for '
                                 f'{len(info["points"])} points')
            info['visibility'] = vis > 0.5
        if self.load_images:
            views = []
            for k in range(1, self.NUM_VIEWS + 1):
                path = osp.join(self.data_root, 'mv_image_12', cls_name,
                                f'{name}_{k:02d}.jpg')
                if not osp.isfile(path):
                    raise FileNotFoundError(f'{path} is missing '
                                            f'({self.SOURCE}).')
                views.append(mmcv.imread(path, channel_order='rgb'))
            info['images'] = np.stack(views).astype(np.float32) / 255.0
        if self.descriptor_root is not None:
            path = osp.join(self.descriptor_root, 'mv_cdw', cls_name,
                            f'{name}_mv_cdw.xyz')
            if not osp.isfile(path):
                raise FileNotFoundError(
                    f'{path} is missing: export the teacher descriptors of '
                    'every shape first')
            desc = np.loadtxt(path, dtype=np.float32, ndmin=2)
            if len(desc) != self.NUM_VIEWS:
                raise ValueError(f'{path}: expected {self.NUM_VIEWS} view '
                                 f'descriptors, got {len(desc)}')
            info['teacher_descriptors'] = desc
        return info

    def get_cat_ids(self, idx: int) -> List[int]:
        return [super().get_data_info(idx)['gt_label']]
