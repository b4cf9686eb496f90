"""One base for the releases that ship each split as HDF5 shards of whole
point clouds (ModelNet40 HDF5, ScanObjectNN, ShapeNetCore v2 HDF5)."""
import glob
import os.path as osp
from typing import List, Optional, Tuple

import numpy as np

from .base import ShapeDataset
from .fileio import first_non_finite, format_row, open_hdf5, read_json_list


def shard_key(path: str) -> Tuple[str, int]:
    """(prefix, index) of a shard ``<prefix><index>.h5``, so that
    ``x_train2.h5`` sorts before ``x_train10.h5``."""
    stem = osp.splitext(osp.basename(path))[0]
    digits = len(stem) - len(stem.rstrip('0123456789'))
    return (stem[:len(stem) - digits], int(stem[len(stem) - digits:] or -1))


class HDF5ShardDataset(ShapeDataset):
    """Base of the HDF5-shard releases: every shard of the split is read
    into memory once (``data`` (n, P, 3) float32, ``label`` (n,) or (n, 1)
    integer), and samples are rows of the concatenation.

    A release is described by how it names things, as class attributes or
    by overriding the matching method:

    * its shards: ``SHARD_PREFIX`` (shards ``{SHARD_PREFIX}{part}<k>.h5``
      of each part of the split, in numeric order, or those
      ``{part}_files.txt`` lists when the release has that file;
      :meth:`_part_files`);
    * its class names: ``shape_names.txt`` in label order
      (:meth:`_read_class_names`);
    * its shape ids: the JSON list ``ID_FILE`` names beside each shard
      (``{prefix}`` and ``{index}`` of the shard's stem), one source file
      per cloud, whose name without folder and extension is the id
      (:meth:`_shape_id`). Without that file a cloud's id is
      ``<shard path under data_root>:<row>``.

    Each sample has ``points`` (P, 3) float32 (plus the channels
    :meth:`_extra_channels` adds), the class index ``gt_label``,
    ``sample_idx`` and ``shape_id``. A NaN or inf in ``data`` (or in an
    extra channel, see :meth:`_require_finite`) is an error when the
    dataset is built, naming the shard, the cloud and the point row.
    """
    SHARD_PREFIX = ''
    ID_FILE: Optional[str] = None
    # (num_clouds, P, C) of the split, set by load_data_list.
    _points: Optional[np.ndarray] = None

    def _split_files(self) -> List[str]:
        """The shards of every part of the split."""
        files = []
        for part in self._split_parts():
            files += self._part_files(part)
        return files

    def _part_files(self, part: str) -> List[str]:
        root = self.data_root
        pattern = f'{self.SHARD_PREFIX}{part}<k>.h5'
        list_file = osp.join(root, f'{part}_files.txt')
        if osp.isfile(list_file):
            names = [osp.basename(n) for n in
                     self._read_lines(f'{part}_files.txt')]
            if not names:
                raise ValueError(f'{list_file} lists no shards; expected one '
                                 f'{pattern} per line ({self.SOURCE})')
            files = [osp.join(root, n) for n in names]
            missing = [f for f in files if not osp.isfile(f)]
            if missing:
                raise FileNotFoundError(
                    f'{list_file} lists files that are not in {root}: '
                    f'{missing[:3]}')
        else:
            files = sorted(
                glob.glob(osp.join(root, f'{self.SHARD_PREFIX}{part}*.h5')),
                key=shard_key)
        if not files:
            raise FileNotFoundError(
                f'{type(self).__name__}: no {pattern} in {root} '
                f'({self.SOURCE}).')
        return files

    def _read_class_names(self) -> Tuple[List[str], str]:
        """Class names in label order and the file they come from."""
        return self._read_lines('shape_names.txt'), 'shape_names.txt'

    def _extra_channels(self, f, path: str) -> List[np.ndarray]:
        """(n, P, c) arrays of a shard appended to the xyz channels (each
        checked with :meth:`_require_finite` before any rescaling)."""
        return []

    def _require_finite(self, values: np.ndarray, path: str, key: str,
                        what: str) -> None:
        """``values`` (n, P, c), the shard's dataset ``key``, is finite;
        else an error naming the shard, the first bad cloud (and its shape
        id) and point row, and how many clouds have such points."""
        bad = first_non_finite(values)
        if bad is None:
            return
        (cloud, row), count = bad
        clouds = int((~np.isfinite(values)).any(axis=(1, 2)).sum())
        shape = ''
        try:  # the shape id, when the release names it
            shape_id = self._shard_ids(path, len(values))[cloud]
            if shape_id != f'{osp.relpath(path, self.data_root)}:{cloud}':
                shape = f' (shape {shape_id})'
        except (OSError, ValueError, KeyError):
            pass
        raise ValueError(
            f'{path}: cloud {cloud}{shape} has non-finite {what} at point '
            f'row {row}: {key}[{cloud}, {row}] = '
            f'{format_row(values[cloud, row])} (0-based indices; non-finite '
            f'points: {count}, in {clouds} of the {len(values)} clouds). The '
            f'shard is corrupt: download it again ({self.SOURCE})')

    def _shape_id(self, entry) -> str:
        """A shape id from an entry of the release's id file."""
        return osp.splitext(osp.basename(str(entry)))[0]

    def _shard_ids(self, path: str, num: int) -> List[str]:
        """Shape ids of the ``num`` clouds of the shard ``path``."""
        if self.ID_FILE is not None:
            prefix, index = shard_key(path)
            id_file = osp.join(osp.dirname(path), self.ID_FILE.format(
                prefix=prefix, index=index))
            if osp.isfile(id_file):
                entries = read_json_list(id_file, 'one source file per '
                                         'cloud of the shard',
                                         source=self.SOURCE)
                if len(entries) != num:
                    raise ValueError(f'{id_file} names {len(entries)} files '
                                     f'but {path} has {num} shapes')
                return [self._shape_id(e) for e in entries]
        name = osp.relpath(path, self.data_root)
        return [f'{name}:{i}' for i in range(num)]

    def load_data_list(self) -> List[dict]:
        names, names_source = self._read_class_names()
        classes = self._adopt_classes(names, names_source)
        points, labels, ids = [], [], []
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
                self._require_finite(data, path, 'data', 'coordinates')
                extra = self._extra_channels(f, path)
                for e in extra:
                    if e.shape[:2] != data.shape[:2]:
                        raise ValueError(
                            f'{path}: data is {data.shape} but an extra '
                            f'channel is {e.shape}; expected '
                            f'{data.shape[:2]} clouds and points')
                if extra:
                    data = np.concatenate([data] + extra, axis=-1)
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
            ids += self._shard_ids(path, len(label))
        self._points = np.concatenate(points)
        labels = np.concatenate(labels)
        return [dict(sample_idx=i, cloud_idx=i, gt_label=int(lbl),
                     shape_id=shape_id)
                for i, (lbl, shape_id) in enumerate(zip(labels, ids))]

    def get_data_info(self, idx: int) -> dict:
        info = super().get_data_info(idx)
        info['points'] = self._points[info['cloud_idx']].copy()
        return info
