"""The PointMCD authors' pre-processed datasets (github keeganhk/PointMCD).

Both share one structure: ``class_list.txt``, ``{train,test}_list.txt``
(shape names ``<class>_<4 digits>``) and, per shape, a point file, pre-
rendered view images, a visibility file and, in a separate export folder,
the teacher's per-view descriptors. They differ in folder names, point file
format and views, which the two dataset classes set as attributes.
"""
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import mmcv
import numpy as np
from mmdet3d.registry import DATASETS
from PIL import Image

from .base import ShapeDataset, read_text_rows
from .modelnet40 import MODELNET40_CLASSES
from .shapenet_part import SHAPENETPART_PART_IDS

POINTMCD_SOURCE = (
    "the PointMCD authors' pre-processed {dataset}, linked from the README "
    'of github.com/keeganhk/PointMCD (their data/ folder): data_root holds '
    'class_list.txt, {{train,test}}_list.txt, {points}/, and optionally '
    '{images}/ and {visibility}/')


class PointMCDPreprocessedDataset(ShapeDataset):
    """Base of the authors' layouts (see the subclasses for the files).

    Samples carry ``points`` (P, 3) float32, the class index under
    ``LABEL_KEY``, ``shape_id`` and, as requested, ``images`` (K, H, W, 3)
    float32 in [0, 1], ``visibility`` (P, K) bool and
    ``teacher_descriptors`` (K, D) float32.

    Visibility read from files describes the un-augmented points (the
    authors do not recompute it); ``RenderPointViews(with_images=False)``
    recomputes it on the augmented points instead.

    Args:
        data_root (str): Folder of the pre-processed dataset.
        split (str): ``'train'`` or ``'test'``.
        load_images (bool): Read the K pre-rendered views.
        load_visibility (bool): Read the (P, K) visibility file.
        descriptor_root (str, optional): The folder teacher descriptors
            were exported to (the authors' ``expt`` folder, also linked
            from their README); read from
            ``mv_cdw/<class>/<name>_mv_cdw.xyz`` as (K, D) rows.
    """
    DATASET = ''
    POINTS_DIR = ''
    POINTS_EXT = '.xyz'
    POINTS_DELIMITER: Optional[str] = None  # whitespace
    POINT_COLUMNS = ('x', 'y', 'z')
    IMAGES_DIR = ''
    VIEW_SUFFIXES: Tuple[str, ...] = ()
    VISIBILITY_DIR = ''
    LABEL_KEY = 'gt_label'
    EXPECTED = 'class_list.txt, {{train,test}}_list.txt and the shape folders'
    MISSING_HINTS = dict(descriptor_path=(
        'Teacher descriptors are not in descriptor_root: export those of '
        'every shape of the split first (the authors export them to '
        'expt/mv_cdw/<class>/<name>_mv_cdw.xyz).'))

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

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        cls.SOURCE = POINTMCD_SOURCE.format(
            dataset=cls.DATASET, points=cls.POINTS_DIR, images=cls.IMAGES_DIR,
            visibility=cls.VISIBILITY_DIR)

    @property
    def num_views(self) -> int:
        return len(self.VIEW_SUFFIXES)

    def load_data_list(self) -> List[dict]:
        classes = self._adopt_classes(self._read_lines('class_list.txt'),
                                      'class_list.txt')
        self._listing = f'{self.split}_list.txt'
        data_list = []
        for i, name in enumerate(self._read_lines(self._listing)):
            cls_name = name[:-5]  # '<class>_<4 digits>'
            if cls_name not in classes:
                raise ValueError(f'{self._listing}: {name!r} is not '
                                 '"<class>_<4 digits>" with a listed class')
            info = {'sample_idx': i, 'shape_id': name,
                    'class_name': cls_name,
                    self.LABEL_KEY: classes.index(cls_name)}
            self._add_paths(info)
            data_list.append(info)
        return data_list

    def _path(self, folder: str, info: dict, suffix: str,
              root: Optional[str] = None) -> str:
        return osp.join(root or self.data_root, folder, info['class_name'],
                        info['shape_id'] + suffix)

    def _view_paths(self, folder: str, info: dict, ext: str) -> List[str]:
        return [self._path(folder, info, f'_{suffix}{ext}')
                for suffix in self.VIEW_SUFFIXES]

    def _add_paths(self, info: dict) -> None:
        """The sample's files, as requested (all checked to exist when the
        dataset is built)."""
        info['pts_path'] = self._path(self.POINTS_DIR, info, self.POINTS_EXT)
        if self.load_visibility:
            info['vis_path'] = self._path(self.VISIBILITY_DIR, info,
                                          '_mvv.xyz')
        if self.load_images:
            info['img_paths'] = self._view_paths(self.IMAGES_DIR, info,
                                                 '.jpg')
        if self.descriptor_root is not None:
            info['descriptor_path'] = self._path(
                'mv_cdw', info, '_mv_cdw.xyz', root=self.descriptor_root)

    def _read_points(self, info: dict) -> None:
        """Fill ``info['points']`` (and what else the point file holds)."""
        info['points'] = read_text_rows(
            info['pts_path'], self.POINT_COLUMNS, self.POINTS_DELIMITER,
            source=self.SOURCE)

    def get_data_info(self, idx: int) -> dict:
        info = super().get_data_info(idx)
        self._read_points(info)
        num_points = len(info['points'])
        if self.load_visibility:
            path = info['vis_path']
            vis = read_text_rows(
                path, [f'view{k}' for k in range(self.num_views)],
                source=self.SOURCE)
            if len(vis) != num_points:
                raise ValueError(f'{path}: {len(vis)} visibility rows for '
                                 f'the {num_points} points of '
                                 f'{info["pts_path"]}')
            info['visibility'] = vis > 0.5
        if self.load_images:
            views = []
            for path in info['img_paths']:
                try:
                    views.append(mmcv.imread(path, channel_order='rgb'))
                except Exception as e:  # cv2 / PIL errors name no file
                    raise ValueError(f'{path}: cannot be read as an image: '
                                     f'{e} ({self.SOURCE})') from e
                if views[-1] is None:
                    raise ValueError(f'{path}: cannot be decoded as a JPEG '
                                     f'view ({self.SOURCE})')
            shapes = {v.shape for v in views}
            if len(shapes) != 1:
                raise ValueError(f'{info["shape_id"]}: views of different '
                                 f'sizes {sorted(shapes)} in '
                                 f'{osp.dirname(info["img_paths"][0])}')
            info['images'] = np.stack(views).astype(np.float32) / 255.0
        if self.descriptor_root is not None:
            path = info['descriptor_path']
            dim = self._descriptor_dim(path) if osp.isfile(path) else 1
            desc = read_text_rows(path, ['d'] * dim,
                                  source='exported teacher descriptors, '
                                  'one row per view')
            if len(desc) != self.num_views:
                raise ValueError(f'{path}: expected {self.num_views} view '
                                 f'descriptors, got {len(desc)}')
            info['teacher_descriptors'] = desc
        return info

    @staticmethod
    def _descriptor_dim(path: str) -> int:
        """Columns of the first row of a descriptor file (any D is fine,
        as long as every row has it)."""
        with open(path) as f:
            return max(len(f.readline().split()), 1)

    def get_cat_ids(self, idx: int) -> List[int]:
        return [super().get_data_info(idx)[self.LABEL_KEY]]


@DATASETS.register_module()
class PointMCDModelNet40Dataset(PointMCDPreprocessedDataset):
    """ModelNet40 in the PointMCD authors' pre-processed layout.

    ``data_root`` holds ``class_list.txt``, ``{train,test}_list.txt`` (shape
    names such as ``airplane_0001``) and, per shape,

    * ``point_cloud_1024/<class>/<name>.xyz``: (1024, 3) rows ``x y z``;
    * ``mv_image_12/<class>/<name>_<01..12>.jpg``: the 12 rendered views
      (``load_images``);
    * ``mv_visibility_1024x12/<class>/<name>_mvv.xyz``: (1024, 12) 0/1
      visibility (``load_visibility``).

    The class index is ``gt_label``. See :class:`PointMCDPreprocessedDataset`
    for the arguments and the teacher descriptors.
    """
    METAINFO = dict(classes=MODELNET40_CLASSES)
    DATASET = 'ModelNet40'
    POINTS_DIR = 'point_cloud_1024'
    IMAGES_DIR = 'mv_image_12'
    VIEW_SUFFIXES = tuple(f'{k:02d}' for k in range(1, 13))
    VISIBILITY_DIR = 'mv_visibility_1024x12'


# The authors' ShapeNetPart class names (class_list.txt) are lower case.
POINTMCD_SHAPENETPART_PART_IDS = {
    name.lower(): ids for name, ids in SHAPENETPART_PART_IDS.items()}


@DATASETS.register_module()
class PointMCDShapeNetPartDataset(PointMCDPreprocessedDataset):
    """ShapeNetPart in the PointMCD authors' pre-processed layout.

    ``data_root`` holds ``class_list.txt`` (the 16 categories, lower case),
    ``{train,test}_list.txt`` (names such as ``airplane_0001``) and, per
    shape,

    * ``point_cloud_labeled_2048/<class>/<name>.txt``: (2048, 4) rows
      ``x;y;z;part`` with part ids in the shared 50-part space;
    * ``mv_image_16/<class>/<name>_<e>_<a>.jpg``: the 16 views, elevation
      index ``e`` in 1..2 and azimuth index ``a`` in 1..8, read in the
      order ``1_1 .. 1_8, 2_1 .. 2_8`` (``load_images``);
    * ``mv_image_labeled_16/<class>/<name>_<e>_<a>.png``: per-pixel part
      ids of the views, 50 for background (``load_view_labels``; read as
      ``view_part_labels`` (16, H, W) int64);
    * ``mv_visibility_2048x16/<class>/<name>_mvv.xyz``: (2048, 16) 0/1
      visibility (``load_visibility``).

    Samples carry ``points`` (2048, 3), ``pts_part_label`` (2048,) int64,
    ``category`` (index into ``classes``) and ``shape_id``, plus what is
    requested (see :class:`PointMCDPreprocessedDataset`).

    The files do not say which elevation index 1 and 2 stand for; the view
    order above is kept as is. Check it with ``tools/visualize_views.py``
    before pairing these views with visibility computed by
    ``RenderPointViews(views='shapenet_16')``.

    Args:
        load_view_labels (bool): Read the labelled view images.
    """
    METAINFO = dict(classes=tuple(POINTMCD_SHAPENETPART_PART_IDS),
                    part_ids=POINTMCD_SHAPENETPART_PART_IDS)
    DATASET = 'ShapeNetPart'
    POINTS_DIR = 'point_cloud_labeled_2048'
    POINTS_EXT = '.txt'
    POINTS_DELIMITER = ';'
    POINT_COLUMNS = ('x', 'y', 'z', 'part')
    IMAGES_DIR = 'mv_image_16'
    LABELED_IMAGES_DIR = 'mv_image_labeled_16'
    VIEW_BACKGROUND = 50
    VIEW_SUFFIXES = tuple(f'{e}_{a}' for e in (1, 2) for a in range(1, 9))
    VISIBILITY_DIR = 'mv_visibility_2048x16'
    LABEL_KEY = 'category'

    def __init__(self, *args, load_view_labels: bool = False,
                 **kwargs) -> None:
        self.load_view_labels = load_view_labels
        super().__init__(*args, **kwargs)

    def _add_paths(self, info: dict) -> None:
        super()._add_paths(info)
        if self.load_view_labels:
            info['view_label_paths'] = self._view_paths(
                self.LABELED_IMAGES_DIR, info, '.png')

    def _read_points(self, info: dict) -> None:
        path = info['pts_path']
        rows = read_text_rows(path, self.POINT_COLUMNS,
                              self.POINTS_DELIMITER, source=self.SOURCE)
        labels = rows[:, 3].astype(np.int64)
        allowed = self.metainfo['part_ids'][info['class_name']]
        if not np.isin(labels, allowed).all():
            raise ValueError(f'{path}: part labels {np.unique(labels)} are '
                             f'not all part ids {allowed} of '
                             f'{info["class_name"]}')
        info['points'] = np.ascontiguousarray(rows[:, :3])
        info['pts_part_label'] = labels

    def get_data_info(self, idx: int) -> dict:
        info = super().get_data_info(idx)
        if self.load_view_labels:
            allowed = list(self.metainfo['part_ids'][info['class_name']])
            views = []
            for path in info['view_label_paths']:
                # PIL keeps the stored values (palette indices or grey
                # levels), as the authors read them.
                with Image.open(path) as img:
                    labels = np.asarray(img, dtype=np.int64)
                if labels.ndim != 2 or not np.isin(
                        labels, allowed + [self.VIEW_BACKGROUND]).all():
                    raise ValueError(
                        f'{path}: expected a single-channel label image of '
                        f'part ids {allowed} and {self.VIEW_BACKGROUND} '
                        f'(background), got shape {labels.shape} with values '
                        f'{np.unique(labels)[:10]}')
                views.append(labels)
            info['view_part_labels'] = np.stack(views)
        return info
