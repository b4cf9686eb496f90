"""Write the embedded dataset in the layouts of the real datasets.

* classification: the ModelNet40 HDF5 release (``modelnet40_ply_hdf5_2048``):
  ``ply_data_{train,test}{k}.h5`` with ``data`` (n, N, 3) float32, ``label``
  (n, 1) uint8 and ``normal`` (n, N, 3) float32, plus ``shape_names.txt`` and
  ``{train,test}_files.txt``;
* part segmentation: ``shapenetcore_partanno_segmentation_benchmark_v0_normal``:
  ``synsetoffset2category.txt``, ``<synset>/<shape>.txt`` with rows
  ``x y z nx ny nz part`` and
  ``train_test_split/shuffled_{train,val,test}_file_list.json``.

Shape ``i`` of class ``c`` in split ``s`` is drawn from
``np.random.default_rng([seed, c, s, i])``, so the data are identical on
every machine, a larger set extends a smaller one, and the classification
and segmentation files of a (class, split, index) hold the same shape.

Generation writes into a temporary folder and renames it into place, so
concurrent processes (distributed training) never see a half-written set.
"""
import contextlib
import json
import os
import os.path as osp
import shutil
import uuid
from typing import Dict, List, Optional, Sequence

import h5py
import numpy as np
from mmengine.logging import print_log

from .shapes import CLASSES, PART_IDS, make_shape

GENERATOR_VERSION = 2
META_FILE = 'synthetic_meta.json'
SPLIT_CODES = {'train': 0, 'val': 1, 'test': 2}
# Default sizes (shapes per class and split, points per shape).
CLS_DEFAULTS = dict(num_train_per_class=50, num_test_per_class=20,
                    num_points=2048)
PARTSEG_DEFAULTS = dict(num_train_per_class=40, num_val_per_class=5,
                        num_test_per_class=10, num_points=2048)
# First synset id of the fake ShapeNet synsets (real ones start with 0).
SYNSET_BASE = 90000000


def partseg_category(name: str) -> str:
    """Category name in synsetoffset2category.txt (ShapeNetPart style)."""
    return name.capitalize()


def cls_dir_name(num_points: int) -> str:
    return f'synthetic_cls_hdf5_{num_points}'


def partseg_dir_name() -> str:
    return 'synthetic_partseg_normal'


def synset_of(class_idx: int) -> str:
    return f'{SYNSET_BASE + class_idx:08d}'


def _shapes(seed: int, split: str, per_class: int, num_points: int):
    for c, name in enumerate(CLASSES):
        for i in range(per_class):
            rng = np.random.default_rng([seed, c, SPLIT_CODES[split], i])
            yield c, i, make_shape(name, rng, num_points)


def _existing_matches(out_dir: str, meta: Dict) -> bool:
    """True if ``out_dir`` already holds exactly this set."""
    meta_file = osp.join(out_dir, META_FILE)
    if not osp.exists(out_dir):
        return False
    if not osp.isfile(meta_file):
        raise FileExistsError(
            f'{out_dir} exists but has no {META_FILE}: it was not written by '
            'the synthetic generator. Move it away or choose another root.')
    with open(meta_file) as f:
        found = json.load(f)
    if found != meta:
        raise ValueError(
            f'{meta_file} describes {found}, but {meta} was requested. '
            'Delete that folder to regenerate it, or point the config at '
            'another data_root.')
    return True


@contextlib.contextmanager
def _removed_on_error(tmp_dir: str):
    """Remove a half-written temporary folder if writing fails."""
    try:
        yield
    except BaseException:
        shutil.rmtree(tmp_dir, ignore_errors=True)
        raise


def _publish(tmp_dir: str, out_dir: str) -> None:
    try:
        os.rename(tmp_dir, out_dir)
    except OSError:
        # Another process published the same set first.
        shutil.rmtree(tmp_dir, ignore_errors=True)
        if not osp.isdir(out_dir):
            raise


def generate_cls(root: str,
                 seed: int = 0,
                 num_train_per_class: int = CLS_DEFAULTS['num_train_per_class'],
                 num_test_per_class: int = CLS_DEFAULTS['num_test_per_class'],
                 num_points: int = CLS_DEFAULTS['num_points'],
                 shard_size: int = 2048) -> str:
    """Write (or reuse) the classification set; returns its folder."""
    out_dir = osp.join(root, cls_dir_name(num_points))
    meta = dict(task='cls', generator_version=GENERATOR_VERSION, seed=seed,
                num_points=num_points, classes=list(CLASSES),
                num_per_class=dict(train=num_train_per_class,
                                   test=num_test_per_class))
    if _existing_matches(out_dir, meta):
        return out_dir
    print_log(f'Generating the synthetic classification set in {out_dir} '
              f'(seed {seed}, {len(CLASSES)} classes, '
              f'{num_train_per_class}+{num_test_per_class} shapes per class, '
              f'{num_points} points)', logger='current')
    os.makedirs(root, exist_ok=True)
    tmp_dir = f'{out_dir}.tmp-{uuid.uuid4().hex[:8]}'
    os.makedirs(tmp_dir)
    with _removed_on_error(tmp_dir):
        _write_cls(tmp_dir, out_dir, seed, num_train_per_class,
                   num_test_per_class, num_points, shard_size, meta)
    _publish(tmp_dir, out_dir)
    return out_dir


def _write_cls(tmp_dir: str, out_dir: str, seed: int,
               num_train_per_class: int, num_test_per_class: int,
               num_points: int, shard_size: int, meta: Dict) -> None:
    for split, per_class in (('train', num_train_per_class),
                             ('test', num_test_per_class)):
        points, normals, labels = [], [], []
        for c, _, shape in _shapes(seed, split, per_class, num_points):
            points.append(shape['points'])
            normals.append(shape['normals'])
            labels.append(c)
        order = np.random.default_rng([seed, SPLIT_CODES[split]]).permutation(
            len(labels))
        points = np.stack(points)[order]
        normals = np.stack(normals)[order]
        labels = np.asarray(labels, dtype=np.uint8)[order, None]
        names = []
        for k, start in enumerate(range(0, len(labels), shard_size)):
            name = f'ply_data_{split}{k}.h5'
            sl = slice(start, start + shard_size)
            with h5py.File(osp.join(tmp_dir, name), 'w') as f:
                f.create_dataset('data', data=points[sl])
                f.create_dataset('label', data=labels[sl])
                f.create_dataset('normal', data=normals[sl])
            names.append(f'{osp.basename(out_dir)}/{name}')
        with open(osp.join(tmp_dir, f'{split}_files.txt'), 'w') as f:
            f.write('\n'.join(names) + '\n')
    with open(osp.join(tmp_dir, 'shape_names.txt'), 'w') as f:
        f.write('\n'.join(CLASSES) + '\n')
    with open(osp.join(tmp_dir, META_FILE), 'w') as f:
        json.dump(meta, f, indent=1)


def generate_partseg(
        root: str,
        seed: int = 0,
        num_train_per_class: int = PARTSEG_DEFAULTS['num_train_per_class'],
        num_val_per_class: int = PARTSEG_DEFAULTS['num_val_per_class'],
        num_test_per_class: int = PARTSEG_DEFAULTS['num_test_per_class'],
        num_points: int = PARTSEG_DEFAULTS['num_points']) -> str:
    """Write (or reuse) the ShapeNetPart-layout set; returns its folder."""
    out_dir = osp.join(root, partseg_dir_name())
    meta = dict(task='partseg', generator_version=GENERATOR_VERSION,
                seed=seed, num_points=num_points, classes=list(CLASSES),
                part_ids={k: list(v) for k, v in PART_IDS.items()},
                num_per_class=dict(train=num_train_per_class,
                                   val=num_val_per_class,
                                   test=num_test_per_class))
    if _existing_matches(out_dir, meta):
        return out_dir
    print_log(f'Generating the synthetic part-segmentation set in {out_dir}',
              logger='current')
    os.makedirs(root, exist_ok=True)
    tmp_dir = f'{out_dir}.tmp-{uuid.uuid4().hex[:8]}'
    os.makedirs(osp.join(tmp_dir, 'train_test_split'))
    with _removed_on_error(tmp_dir):
        _write_partseg(tmp_dir, seed, num_train_per_class, num_val_per_class,
                       num_test_per_class, num_points, meta)
    _publish(tmp_dir, out_dir)
    return out_dir


def _write_partseg(tmp_dir: str, seed: int, num_train_per_class: int,
                   num_val_per_class: int, num_test_per_class: int,
                   num_points: int, meta: Dict) -> None:
    with open(osp.join(tmp_dir, 'synsetoffset2category.txt'), 'w') as f:
        for c, name in enumerate(CLASSES):
            f.write(f'{partseg_category(name)}\t{synset_of(c)}\n')
            os.makedirs(osp.join(tmp_dir, synset_of(c)))
    for split, per_class in (('train', num_train_per_class),
                             ('val', num_val_per_class),
                             ('test', num_test_per_class)):
        entries: List[str] = []
        for c, i, shape in _shapes(seed, split, per_class, num_points):
            shape_id = f's{c:02d}{SPLIT_CODES[split]}{i:05d}'
            rows = np.concatenate([
                shape['points'], shape['normals'],
                shape['part_labels'][:, None].astype(np.float32)
            ], axis=1)
            np.savetxt(osp.join(tmp_dir, synset_of(c), f'{shape_id}.txt'),
                       rows, fmt='%.6f')
            entries.append(f'shape_data/{synset_of(c)}/{shape_id}')
        order = np.random.default_rng([seed, SPLIT_CODES[split]]).permutation(
            len(entries))
        with open(osp.join(tmp_dir, 'train_test_split',
                           f'shuffled_{split}_file_list.json'), 'w') as f:
            json.dump([entries[j] for j in order], f)
    with open(osp.join(tmp_dir, META_FILE), 'w') as f:
        json.dump(meta, f, indent=1)


def generate(root: str, tasks: Sequence[str] = ('cls', 'partseg'),
             seed: int = 0, cls: Optional[Dict] = None,
             partseg: Optional[Dict] = None) -> Dict[str, str]:
    """Generate the requested tasks' files under ``root``."""
    out = {}
    for task in tasks:
        if task == 'cls':
            out[task] = generate_cls(root, seed=seed, **(cls or {}))
        elif task == 'partseg':
            out[task] = generate_partseg(root, seed=seed, **(partseg or {}))
        else:
            raise ValueError(f'unknown task {task!r}; expected cls/partseg')
    return out
