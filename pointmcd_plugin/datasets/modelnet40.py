import os.path as osp
from typing import List, Optional

import numpy as np
from mmdet3d.registry import DATASETS

from pointmcd_plugin.geometry import normalize_normals

from .base import ShapeDataset
from .hdf5_shards import HDF5ShardDataset
from .transforms.loading import XYZ, point_file_format

# The order of shape_names.txt in the official releases (label ids).
MODELNET40_CLASSES = (
    'airplane', 'bathtub', 'bed', 'bench', 'bookshelf', 'bottle', 'bowl',
    'car', 'chair', 'cone', 'cup', 'curtain', 'desk', 'door', 'dresser',
    'flower_pot', 'glass_box', 'guitar', 'keyboard', 'lamp', 'laptop',
    'mantel', 'monitor', 'night_stand', 'person', 'piano', 'plant', 'radio',
    'range_hood', 'sink', 'sofa', 'stairs', 'stool', 'table', 'tent',
    'toilet', 'tv_stand', 'vase', 'wardrobe', 'xbox')


MODELNET40_HDF5_SOURCE = (
    'modelnet40_ply_hdf5_2048.zip, released with PointNet '
    '(Qi et al. 2017) and used by DGCNN/PointMCD; unzip it so that '
    'data_root holds ply_data_*.h5 and shape_names.txt')


@DATASETS.register_module()
class ModelNet40HDF5Dataset(HDF5ShardDataset):
    """Shape classification data in the ModelNet40 HDF5 layout.

    ``data_root`` holds ``ply_data_{split}{k}.h5`` files (``data``
    (n, P, 3) float32, ``label`` (n, 1) integer and optionally ``normal``
    (n, P, 3)), ``shape_names.txt`` (one class per line, in label order),
    optionally ``{split}_files.txt`` listing the split's files, and
    ``ply_data_{split}_{k}_id2file.json`` (the source file of every cloud,
    e.g. ``"bathtub/bathtub_0001.ply"``, giving ``shape_id``
    ``bathtub_0001``). All files of the split are read into memory once.

    Each sample is a dict with ``points`` (P, 3) or (P, 6) float32 (xyz, and
    unit normals when ``load_normals``), ``gt_label`` (int), ``shape_id``
    and ``sample_idx``. Non-finite coordinates (or loaded normals) are an
    error naming the shard, cloud and point row.

    Args:
        data_root (str): Folder of the release.
        split (str): ``'train'`` or ``'test'``.
        load_normals (bool): Append the ``normal`` field to the points;
            raises if the files have none.
        pipeline (Sequence[dict]): Transforms.
        test_mode (bool): As in mmengine's ``BaseDataset``.
    """
    METAINFO = dict(classes=MODELNET40_CLASSES)
    SOURCE = MODELNET40_HDF5_SOURCE
    EXPECTED = 'ply_data_{split}*.h5 and shape_names.txt'
    SHARD_PREFIX = 'ply_data_'
    ID_FILE = '{prefix}_{index}_id2file.json'

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 load_normals: bool = False,
                 **kwargs) -> None:
        self.load_normals = load_normals
        super().__init__(data_root=data_root, split=split, **kwargs)

    def _extra_channels(self, f, path: str) -> List[np.ndarray]:
        if not self.load_normals:
            return []
        if 'normal' not in f:
            raise KeyError(f'{path} has no normal dataset but '
                           'load_normals=True; set load_normals=False')
        normal = f['normal'][:].astype(np.float32)
        if normal.ndim != 3 or normal.shape[-1] != 3:
            raise ValueError(f'{path}: normal must be (n, P, 3), got '
                             f'{normal.shape}')
        self._require_finite(normal, path, 'normal', 'normals')
        return [normalize_normals(normal)]


MODELNET40_RESAMPLED_SOURCE = (
    'modelnet40_normal_resampled.zip (the PointNet++ release, 10,000 points '
    'with normals per shape); unzip it so that data_root holds '
    'modelnet40_shape_names.txt, modelnet40_{train,test}.txt and one folder '
    'per class')


@DATASETS.register_module()
class ModelNet40ResampledDataset(ShapeDataset):
    """Shape classification data in the resampled-text layout.

    ``data_root`` holds ``modelnet40_shape_names.txt`` (classes in label
    order), ``modelnet40_{train,test}.txt`` (one shape id such as
    ``airplane_0001`` per line) and ``<class>/<shape id>.txt`` files with
    comma-separated rows ``x,y,z,nx,ny,nz``. The data list names each
    shape's file (``pts_path``) and its format (``pts_format``); the
    pipeline reads it with ``LoadShapePoints`` (keep ``num_points`` small:
    10,000-row files take a few ms each to parse).

    After ``LoadShapePoints`` each sample has ``points`` (P, 3) or (P, 6)
    float32 (unit normals); the data list has ``gt_label`` and
    ``shape_id``. ``LoadShapePoints`` refuses a file with NaN or inf in
    the columns it keeps, naming the file and row.

    Args:
        data_root (str): Folder of the release.
        split (str): ``'train'`` or ``'test'``.
        load_normals (bool): Keep the normals as channels 3:6.
        num_points (int, optional): Read only the first ``num_points`` rows
            of each file (the release's order is already a uniform sample).
    """
    METAINFO = dict(classes=MODELNET40_CLASSES)
    SOURCE = MODELNET40_RESAMPLED_SOURCE
    PREFIX = 'modelnet40'
    COLUMNS = ('x', 'y', 'z', 'nx', 'ny', 'nz')
    EXPECTED = ('modelnet40_shape_names.txt, modelnet40_{{train,test}}.txt '
                'and the class folders')

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 load_normals: bool = False,
                 num_points: Optional[int] = None,
                 **kwargs) -> None:
        self.load_normals = load_normals
        self.num_points = num_points
        super().__init__(data_root=data_root, split=split, **kwargs)

    def load_data_list(self) -> List[dict]:
        names_file = f'{self.PREFIX}_shape_names.txt'
        classes = self._adopt_classes(self._read_lines(names_file),
                                      names_file)
        self._listing = f'{self.PREFIX}_{self.release_split}.txt'
        fmt = point_file_format(
            self.COLUMNS, delimiter=',',
            channels=self.COLUMNS if self.load_normals else XYZ,
            num_rows=self.num_points, source=self.SOURCE)
        data_list = []
        for i, shape in enumerate(self._read_lines(self._listing)):
            cls_name = shape.rsplit('_', 1)[0]
            if cls_name not in classes:
                raise ValueError(
                    f'{self.PREFIX}_{self.release_split}.txt: shape {shape!r} is not '
                    '"<class>_<number>" with a class of the shape-names file')
            data_list.append(dict(
                sample_idx=i, shape_id=shape,
                gt_label=classes.index(cls_name),
                pts_path=osp.join(self.data_root, cls_name, shape + '.txt'),
                pts_format=fmt))
        return data_list
