"""The teacher-knowledge cache: per-view teacher descriptors of a dataset
split, exported once, keyed by shape id.

On disk, ``FILE.npy`` holds (num_samples, K, D) descriptors, row ``i`` for
the sample whose ``sample_idx`` is ``i``, and ``FILE.json`` beside it (the
manifest) holds at least ``shape_ids`` (one per row), ``num_samples``,
``num_views`` and ``dim``, plus whatever the exporter records (teacher
config digest, checkpoint hash, dataset, split, views). The manifest is
written last, so a killed export never looks complete.
"""
import hashlib
import json
import os
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence

import numpy as np


def file_sha256(path: str) -> str:
    """The sha256 (hex) of a file's bytes, read in 1 MiB blocks (the
    exporter's checkpoint hash, a comparison record's knowledge hash)."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def manifest_path(path: str) -> str:
    """The manifest beside a cache ``.npy``."""
    return osp.splitext(path)[0] + '.json'


class TeacherKnowledgeCache:
    """Reads (memory-mapped, opened on first use in each DataLoader worker)
    and writes a teacher-knowledge cache.

    Args:
        path (str): The cache ``.npy``.
        expect (dict, optional): Manifest entries the cache must have; a
            mismatch is an error naming the entry, both values and the file.
    """

    def __init__(self, path: str, expect: Optional[Dict] = None) -> None:
        self.path = path
        self.expect = dict(expect or {})
        self._array: Optional[np.ndarray] = None
        self._ids: Optional[List[str]] = None

    @property
    def manifest(self) -> Dict[str, Any]:
        path = manifest_path(self.path)
        if not osp.isfile(self.path):
            raise FileNotFoundError(
                f'teacher knowledge {self.path} is missing: export it first '
                '(tools/export_teacher_knowledge.py)')
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'{path} is missing: {self.path} is not a complete export '
                '(the manifest is written last); export it again')
        with open(path) as f:
            return json.load(f)

    def _open(self) -> None:
        manifest = self.manifest
        for key, value in self.expect.items():
            if manifest.get(key) != value:
                raise ValueError(
                    f'{self.path} was exported for {key}='
                    f'{manifest.get(key)!r}, but this run needs {key}='
                    f'{value!r}: export the knowledge for it')
        array = np.load(self.path, mmap_mode='r')
        ids = manifest.get('shape_ids')
        if array.ndim != 3 or not isinstance(ids, list) or \
                len(ids) != len(array):
            raise ValueError(
                f'{self.path}: expected (num_samples, num_views, dim) '
                f'descriptors with one shape id per row in '
                f'{manifest_path(self.path)}, got shape {array.shape} and '
                f'{len(ids) if isinstance(ids, list) else "no"} ids')
        self._array, self._ids = array, ids

    def lookup(self, sample_idx: int, shape_id: str) -> np.ndarray:
        """(K, D) float32 descriptors of a sample, checked by shape id."""
        if self._array is None:
            self._open()
        if not 0 <= sample_idx < len(self._ids):
            raise IndexError(
                f'{self.path} holds descriptors of {len(self._ids)} samples, '
                f'but sample_idx={sample_idx} (shape {shape_id!r}): it was '
                'exported for another split or dataset')
        found = self._ids[sample_idx]
        if found != shape_id:
            raise ValueError(
                f'{self.path}: row {sample_idx} holds shape {found!r}, but '
                f'the sample is {shape_id!r}: the cache was exported for '
                'another split, dataset or listing order; export it again')
        return np.array(self._array[sample_idx], dtype=np.float32)

    @staticmethod
    def write(path: str, descriptors: np.ndarray, shape_ids: Sequence[str],
              **meta) -> None:
        """Write a cache atomically: each file goes to a temporary name
        and is renamed into place, the manifest last."""
        descriptors = np.asarray(descriptors)
        if descriptors.ndim != 3 or len(descriptors) != len(shape_ids):
            raise ValueError(
                f'expected (num_samples, K, D) descriptors and one id per '
                f'sample, got {descriptors.shape} and {len(shape_ids)} ids')
        manifest = dict(meta, num_samples=len(descriptors),
                        num_views=int(descriptors.shape[1]),
                        dim=int(descriptors.shape[2]),
                        shape_ids=[str(i) for i in shape_ids])
        os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
        if osp.exists(manifest_path(path)):
            os.remove(manifest_path(path))  # the old export is incomplete now
        tmp = f'{path}.tmp-{os.getpid()}.npy'
        np.save(tmp, descriptors)
        os.replace(tmp, path)
        tmp = f'{manifest_path(path)}.tmp-{os.getpid()}'
        with open(tmp, 'w') as f:
            json.dump(manifest, f, indent=1)
        os.replace(tmp, manifest_path(path))

    def __getstate__(self) -> Dict:
        # Workers re-open the file rather than pickling a memory map.
        state = self.__dict__.copy()
        state['_array'] = state['_ids'] = None
        return state
