import glob
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmdet3d.registry import DATASETS

from .base import ShapeDataset, open_hdf5, read_text_rows
from .transforms.point_transforms import normalize_normals

# The order of shape_names.txt in the official releases (label ids).
MODELNET40_CLASSES = (
    'airplane', 'bathtub', 'bed', 'bench', 'bookshelf', 'bottle', 'bowl',
    'car', 'chair', 'cone', 'cup', 'curtain', 'desk', 'door', 'dresser',
    'flower_pot', 'glass_box', 'guitar', 'keyboard', 'lamp', 'laptop',
    'mantel', 'monitor', 'night_stand', 'person', 'piano', 'plant', 'radio',
    'range_hood', 'sink', 'sofa', 'stairs', 'stool', 'table', 'tent',
    'toilet', 'tv_stand', 'vase', 'wardrobe', 'xbox')


def _shard_key(path: str) -> Tuple[str, int]:
    """Sort ``x_train2.h5`` before ``x_train10.h5``."""
    stem = osp.splitext(osp.basename(path))[0]
    digits = len(stem) - len(stem.rstrip('0123456789'))
    return (stem[:len(stem) - digits], int(stem[len(stem) - digits:] or -1))


MODELNET40_HDF5_SOURCE = (
    'modelnet40_ply_hdf5_2048.zip, released with PointNet '
    '(Qi et al. 2017) and used by DGCNN/PointMCD; unzip it so that '
    'data_root holds ply_data_*.h5 and shape_names.txt')


@DATASETS.register_module()
class ModelNet40HDF5Dataset(ShapeDataset):
    """Shape classification data in the ModelNet40 HDF5 layout.

    ``data_root`` holds ``ply_data_{split}{k}.h5`` files (``data``
    (n, P, 3) float32, ``label`` (n, 1) integer and optionally ``normal``
    (n, P, 3)), ``shape_names.txt`` (one class per line, in label order) and
    optionally ``{split}_files.txt`` listing the split's files. All files of
    the split are read into memory once.

    Each sample is a dict with ``points`` (P, 3) or (P, 6) float32 (xyz, and
    normals when ``load_normals``), ``gt_label`` (int) and ``sample_idx``.

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
    FILE_PREFIX = 'ply_data_'

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 load_normals: bool = False,
                 pipeline: Sequence = (),
                 test_mode: bool = False,
                 metainfo: Optional[Dict] = None,
                 **kwargs) -> None:
        self.load_normals = load_normals
        self._points: Optional[np.ndarray] = None
        super().__init__(data_root=data_root, split=split, pipeline=pipeline,
                         test_mode=test_mode, metainfo=metainfo, **kwargs)

    def _split_files(self) -> List[str]:
        """HDF5 files of the split: those ``{part}_files.txt`` lists when the
        release has that file, else ``{FILE_PREFIX}{part}<k>.h5``."""
        files = []
        for part in self._split_parts():
            files += self._part_files(part)
        return files

    def _part_files(self, part: str) -> List[str]:
        root = self.data_root
        list_file = osp.join(root, f'{part}_files.txt')
        if osp.isfile(list_file):
            with open(list_file) as f:
                names = [osp.basename(line.strip()) for line in f
                         if line.strip()]
            if not names:
                raise ValueError(f'{list_file} lists no shards; expected one '
                                 f'{self.FILE_PREFIX}{part}<k>.h5 per line '
                                 f'({self.SOURCE})')
            files = [osp.join(root, n) for n in names]
            missing = [f for f in files if not osp.isfile(f)]
            if missing:
                raise FileNotFoundError(
                    f'{list_file} lists files that are not in {root}: '
                    f'{missing[:3]}')
        else:
            files = sorted(
                glob.glob(osp.join(root, f'{self.FILE_PREFIX}{part}*.h5')),
                key=_shard_key)
        if not files:
            raise FileNotFoundError(
                f'{type(self).__name__}: no {self.FILE_PREFIX}{part}*.h5 in '
                f'{root} ({self.SOURCE}).')
        return files

    def _read_class_names(self) -> Tuple[List[str], str]:
        """Class names in label order and the file they come from."""
        return self._read_lines('shape_names.txt'), 'shape_names.txt'

    def load_data_list(self) -> List[dict]:
        names, names_source = self._read_class_names()
        classes = self._adopt_classes(names, names_source)
        points, labels, extras = [], [], []
        files = self._split_files()
        self._listing = ', '.join(osp.basename(p) for p in files)
        for path in files:
            with open_hdf5(path, self.SOURCE) as f:
                for key in ('data', 'label'):
                    if key not in f:
                        raise KeyError(f'{path} has no {key!r} dataset; '
                                       f'found {list(f.keys())}')
                data = f['data'][:].astype(np.float32)
                if data.ndim != 3 or data.shape[-1] != 3:
                    raise ValueError(f'{path}: data must be (n, P, 3), got '
                                     f'{data.shape}')
                if self.load_normals:
                    if 'normal' not in f:
                        raise KeyError(
                            f'{path} has no normal dataset but '
                            'load_normals=True; set load_normals=False')
                    data = np.concatenate([
                        data,
                        normalize_normals(f['normal'][:].astype(np.float32))
                    ], axis=-1)
                label = f['label'][:].reshape(-1).astype(np.int64)
            if len(label) != len(data):
                raise ValueError(f'{path}: {len(data)} clouds but '
                                 f'{len(label)} labels')
            if len(label) and (label.min() < 0 or
                               label.max() >= len(classes)):
                raise ValueError(f'{path}: labels span [{label.min()}, '
                                 f'{label.max()}] but {names_source} has '
                                 f'{len(classes)} classes')
            points.append(data)
            labels.append(label)
            extras += self._shard_extras(path, len(label))
        self._points = np.concatenate(points)
        labels = np.concatenate(labels)
        return [dict(sample_idx=i, gt_label=int(lbl), **extra)
                for i, (lbl, extra) in enumerate(zip(labels, extras))]

    def _shard_extras(self, path: str, num: int) -> List[dict]:
        """Further per-sample fields of the ``num`` clouds of a shard that
        the release keeps beside it (none here)."""
        return [{}] * num

    def get_data_info(self, idx: int) -> dict:
        info = super().get_data_info(idx)
        info['points'] = self._points[info['sample_idx']].copy()
        return info

    def get_cat_ids(self, idx: int) -> List[int]:
        return [super().get_data_info(idx)['gt_label']]


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
    comma-separated rows ``x,y,z,nx,ny,nz``. Shape files are read when a
    sample is fetched (keep ``num_points`` small: 10,000-row files take a
    few ms each to parse).

    Each sample has ``points`` (P, 3) or (P, 6) float32, ``gt_label`` and
    ``shape_id``.

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
                 pipeline: Sequence = (),
                 test_mode: bool = False,
                 metainfo: Optional[Dict] = None,
                 **kwargs) -> None:
        self.load_normals = load_normals
        self.num_points = num_points
        super().__init__(data_root=data_root, split=split, pipeline=pipeline,
                         test_mode=test_mode, metainfo=metainfo, **kwargs)

    def load_data_list(self) -> List[dict]:
        names_file = f'{self.PREFIX}_shape_names.txt'
        classes = self._adopt_classes(self._read_lines(names_file),
                                      names_file)
        self._listing = f'{self.PREFIX}_{self.split}.txt'
        data_list = []
        for i, shape in enumerate(self._read_lines(self._listing)):
            cls_name = shape.rsplit('_', 1)[0]
            if cls_name not in classes:
                raise ValueError(
                    f'{self.PREFIX}_{self.split}.txt: shape {shape!r} is not '
                    '"<class>_<number>" with a class of the shape-names file')
            data_list.append(dict(
                sample_idx=i, shape_id=shape,
                gt_label=classes.index(cls_name),
                pts_path=osp.join(self.data_root, cls_name, shape + '.txt')))
        return data_list

    def get_data_info(self, idx: int) -> dict:
        info = super().get_data_info(idx)
        path = info['pts_path']
        rows = read_text_rows(path, self.COLUMNS, delimiter=',',
                              max_rows=self.num_points, source=self.SOURCE)
        if self.num_points is not None and len(rows) < self.num_points:
            raise ValueError(f'{path}: {len(rows)} rows, fewer than '
                             f'num_points={self.num_points}')
        if self.load_normals:
            rows[:, 3:6] = normalize_normals(rows[:, 3:6])
        info['points'] = np.ascontiguousarray(
            rows if self.load_normals else rows[:, :3])
        return info

    def get_cat_ids(self, idx: int) -> List[int]:
        return [super().get_data_info(idx)['gt_label']]
