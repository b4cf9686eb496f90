"""The PointMCD authors' pre-processed datasets (github keeganhk/PointMCD).

Both share one structure: ``class_list.txt``, ``{train,test}_list.txt``
(shape names ``<class>_<4 digits>``) and, per shape, a point file, pre-
rendered view images, a visibility file and, in a separate export folder,
the teacher's per-view descriptors. They differ in folder names, point file
format and views, which the two dataset classes set as attributes.
"""
import os.path as osp
from typing import List, Optional, Tuple

from mmdet3d.registry import DATASETS

from .base import ShapeDataset
from .modelnet40 import MODELNET40_CLASSES
from .shapenet_part import SHAPENETPART_PART_IDS
from .transforms.loading import XYZ, point_file_format

POINTMCD_SOURCE = (
    "the PointMCD authors' pre-processed {dataset}, linked from the README "
    'of github.com/keeganhk/PointMCD (their data/ folder): data_root holds '
    'class_list.txt, {{train,test}}_list.txt, {points}/, and optionally '
    '{images}/ and {visibility}/')


class PointMCDPreprocessedDataset(ShapeDataset):
    """Base of the authors' layouts (see the subclasses for the files).

    The data list has the class index under ``LABEL_KEY``, ``shape_id``,
    ``num_views`` and the paths of the sample's files, all checked to
    exist when the dataset is built; the pipeline's transforms read them:
    ``LoadShapePoints`` (``pts_path``: ``points`` (P, 3) float32),
    ``LoadMultiViewImages`` (``img_paths``: ``img``, K (H, W, 3) uint8
    views), ``LoadViewVisibility`` (``vis_path``: ``visibility`` (P, K)
    bool) and ``LoadTeacherKnowledge`` (``descriptor_path``:
    ``teacher_descriptors`` (K, D) float32).

    Visibility read from files describes the un-augmented points (the
    authors do not recompute it); ``ComputeViewVisibility`` recomputes it
    on the augmented points instead.

    Args:
        data_root (str): Folder of the pre-processed dataset.
        split (str): ``'train'`` or ``'test'``.
        load_images (bool): List the K pre-rendered views.
        load_visibility (bool): List the (P, K) visibility file.
        descriptor_root (str, optional): The folder teacher descriptors
            were exported to (the authors' ``expt`` folder, also linked
            from their README): list
            ``mv_cdw/<class>/<name>_mv_cdw.xyz`` ((K, D) rows).
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
                 **kwargs) -> None:
        self.load_images = load_images
        self.load_visibility = load_visibility
        self.descriptor_root = descriptor_root
        super().__init__(data_root=data_root, split=split, **kwargs)

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
        self._listing = f'{self.release_split}_list.txt'
        data_list = []
        for i, name in enumerate(self._read_lines(self._listing)):
            cls_name = name[:-5]  # '<class>_<4 digits>'
            if cls_name not in classes:
                raise ValueError(f'{self._listing}: {name!r} is not '
                                 '"<class>_<4 digits>" with a listed class')
            info = {'sample_idx': i, 'shape_id': name,
                    'class_name': cls_name, 'num_views': self.num_views,
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
        info['pts_format'] = self._point_format(info)
        if self.load_visibility:
            info['vis_path'] = self._path(self.VISIBILITY_DIR, info,
                                          '_mvv.xyz')
        if self.load_images:
            info['img_paths'] = self._view_paths(self.IMAGES_DIR, info,
                                                 '.jpg')
        if self.descriptor_root is not None:
            info['descriptor_path'] = self._path(
                'mv_cdw', info, '_mv_cdw.xyz', root=self.descriptor_root)

    def _point_format(self, info: dict) -> dict:
        """How the sample's point file is laid out."""
        return point_file_format(self.POINT_COLUMNS, self.POINTS_DELIMITER,
                                 source=self.SOURCE)


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
      ids of the views, 50 for background (``load_view_labels``; read by
      ``LoadViewPartLabels`` as ``view_part_labels`` (16, H, W) int64);
    * ``mv_visibility_2048x16/<class>/<name>_mvv.xyz``: (2048, 16) 0/1
      visibility (``load_visibility``).

    ``LoadShapePoints`` reads ``points`` (2048, 3) and ``pts_part_label``
    (2048,) int64 (checked against the category's part ids); the data
    list has ``category`` (index into ``classes``), ``part_ids`` (the
    category's part ids) and ``shape_id``, plus the requested paths (see
    :class:`PointMCDPreprocessedDataset`).

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
        info['part_ids'] = tuple(
            self.metainfo['part_ids'][info['class_name']])
        if self.load_view_labels:
            info['view_label_paths'] = self._view_paths(
                self.LABELED_IMAGES_DIR, info, '.png')
            info['view_background'] = self.VIEW_BACKGROUND

    def _point_format(self, info: dict) -> dict:
        return point_file_format(
            self.POINT_COLUMNS, self.POINTS_DELIMITER, channels=XYZ,
            part_ids=self.metainfo['part_ids'][info['class_name']],
            category=info['class_name'], source=self.SOURCE)
