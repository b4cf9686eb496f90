"""Write the embedded dataset in the layouts of the real datasets.

* classification: the ModelNet40 HDF5 release (``modelnet40_ply_hdf5_2048``):
  ``ply_data_{train,val,test}{k}.h5`` with ``data`` (n, N, 3) float32, ``label``
  (n, 1) uint8 and ``normal`` (n, N, 3) float32, next to
  ``ply_data_{train,val,test}_{k}_id2file.json``, plus ``shape_names.txt`` and
  ``{train,val,test}_files.txt`` (the real release has no validation split;
  the embedded one has, for choosing hyper-parameters off the test split);
* part segmentation: ``shapenetcore_partanno_segmentation_benchmark_v0_normal``:
  ``synsetoffset2category.txt``, ``<synset>/<shape>.txt`` with rows
  ``x y z nx ny nz part`` and
  ``train_test_split/shuffled_{train,val,test}_file_list.json``;
* unsupervised pre-training: ``shapenetcorev2_hdf5_2048``:
  ``{train,val,test}{k}.h5`` with ``data`` and ``label``, next to
  ``<shard>_id2name.json`` and ``<shard>_id2file.json``, and
  ``{train,val,test}_files.txt`` (no names file, like the release).

Shape ``i`` of class ``c`` in split ``s`` is drawn from
``np.random.default_rng([seed, c, s, i])``, so the data are identical on
every machine, a larger set extends a smaller one, and the files of every
layout hold the same shape for a (class, split, index).

Generation writes into a temporary folder and renames it into place, so
concurrent processes (distributed training) never see a half-written set.
"""
import contextlib
import json
import os
import os.path as osp
import shutil
import uuid
from typing import Callable, Dict, List, Sequence, Tuple

import h5py
import numpy as np
from mmengine.logging import print_log

from ..hdf5_shards import shard_key
from .shapes import CLASSES, PART_IDS, make_shape

GENERATOR_VERSION = 3
META_FILE = 'synthetic_meta.json'
SPLIT_CODES = {'train': 0, 'val': 1, 'test': 2}
# Default sizes (shapes per class and split, points per shape).
CLS_DEFAULTS = dict(num_train_per_class=50, num_val_per_class=20,
                    num_test_per_class=20, num_points=2048)
PARTSEG_DEFAULTS = dict(num_train_per_class=40, num_val_per_class=5,
                        num_test_per_class=10, num_points=2048)
CORE_DEFAULTS = dict(num_train_per_class=50, num_val_per_class=10,
                     num_test_per_class=20, num_points=2048)
# First synset id of the fake ShapeNet synsets (real ones start with 0).
SYNSET_BASE = 90000000


def partseg_category(name: str) -> str:
    """Category name in synsetoffset2category.txt (ShapeNetPart style)."""
    return name.capitalize()


def cls_dir_name(num_points: int) -> str:
    return f'synthetic_cls_hdf5_{num_points}'


def core_dir_name(num_points: int) -> str:
    return f'synthetic_core_hdf5_{num_points}'


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


def _meta(task: str, seed: int, num_points: int,
          per_class: Dict[str, int], **extra) -> Dict:
    """What identifies a generated set (stored as META_FILE)."""
    return dict(task=task, generator_version=GENERATOR_VERSION, seed=seed,
                num_points=num_points, classes=list(CLASSES), **extra,
                num_per_class=per_class)


def _write_shards(tmp_dir: str, out_dir: str, split: str, prefix: str,
                  count: int, shard_size: int,
                  write: Callable[[h5py.File, str, slice], None]) -> None:
    """Write ``count`` shapes of a split as HDF5 shards
    ``{prefix}{split}<k>.h5`` of ``shard_size``, ``write(file, stem,
    rows)`` filling each, and list them in ``{split}_files.txt`` (paths
    relative to the release's parent folder, as the releases do)."""
    names = []
    for k, start in enumerate(range(0, count, shard_size)):
        stem = f'{prefix}{split}{k}'
        with h5py.File(osp.join(tmp_dir, stem + '.h5'), 'w') as f:
            write(f, stem, slice(start, start + shard_size))
        names.append(f'{osp.basename(out_dir)}/{stem}.h5')
    with open(osp.join(tmp_dir, f'{split}_files.txt'), 'w') as f:
        f.write('\n'.join(names) + '\n')


def _build(out_dir: str, meta: Dict, message: str,
           write: Callable[[str], None]) -> str:
    """Reuse ``out_dir`` if it holds exactly ``meta``'s set, else have
    ``write`` fill a temporary folder and rename it into place."""
    if _existing_matches(out_dir, meta):
        return out_dir
    print_log(message, logger='current')
    os.makedirs(osp.dirname(out_dir) or '.', exist_ok=True)
    tmp_dir = f'{out_dir}.tmp-{uuid.uuid4().hex[:8]}'
    os.makedirs(tmp_dir)
    with _removed_on_error(tmp_dir):
        write(tmp_dir)
        with open(osp.join(tmp_dir, META_FILE), 'w') as f:
            json.dump(meta, f, indent=1)
    _publish(tmp_dir, out_dir)
    return out_dir


def generate_cls(root: str,
                 seed: int = 0,
                 num_train_per_class: int = CLS_DEFAULTS['num_train_per_class'],
                 num_test_per_class: int = CLS_DEFAULTS['num_test_per_class'],
                 num_points: int = CLS_DEFAULTS['num_points'],
                 shard_size: int = 2048,
                 num_val_per_class: int = CLS_DEFAULTS['num_val_per_class']
                 ) -> str:
    """Write (or reuse) the classification set; returns its folder.

    The validation split (``ply_data_val*.h5``, ``num_val_per_class``
    shapes per class; 0 writes none) is drawn from the generator's own
    stream for the split (``default_rng([seed, c, 1, i])``), so it is
    disjoint from train and test and leaves their shapes unchanged."""
    out_dir = osp.join(root, cls_dir_name(num_points))
    per_class = dict(train=num_train_per_class, val=num_val_per_class,
                     test=num_test_per_class)
    if num_val_per_class < 0:
        raise ValueError(f'num_val_per_class must be >= 0, got '
                         f'{num_val_per_class}')
    meta = _meta('cls', seed, num_points, per_class)
    return _build(
        out_dir, meta,
        f'Generating the synthetic classification set in {out_dir} '
        f'(seed {seed}, {len(CLASSES)} classes, '
        f'{num_train_per_class}+{num_val_per_class}+{num_test_per_class} '
        f'train+val+test shapes per class, {num_points} points)',
        lambda tmp: _write_cls(tmp, out_dir, seed, per_class, num_points,
                               shard_size))


def shape_id_of(class_idx: int, split: str, index: int) -> str:
    """File-name stem of shape ``index`` of a class in a split."""
    return f's{class_idx:02d}{SPLIT_CODES[split]}{index:05d}'


def _shuffled_split(seed: int, split: str, per_class: int, num_points: int
                    ) -> Tuple[np.ndarray, np.ndarray, np.ndarray, List[str]]:
    """Points, normals, labels and shape ids of a split, in the split's
    fixed shuffled order (classes interleaved as in the real releases)."""
    points, normals, labels, ids = [], [], [], []
    for c, i, shape in _shapes(seed, split, per_class, num_points):
        points.append(shape['points'])
        normals.append(shape['normals'])
        labels.append(c)
        ids.append(shape_id_of(c, split, i))
    order = np.random.default_rng([seed, SPLIT_CODES[split]]).permutation(
        len(labels))
    return (np.stack(points)[order], np.stack(normals)[order],
            np.asarray(labels, dtype=np.int64)[order],
            [ids[j] for j in order])


def _write_cls(tmp_dir: str, out_dir: str, seed: int,
               per_class: Dict[str, int], num_points: int,
               shard_size: int) -> None:
    for split, count in per_class.items():
        if split == 'val' and count == 0:
            continue
        points, normals, labels, ids = _shuffled_split(seed, split, count,
                                                       num_points)
        labels = labels.astype(np.uint8)[:, None]

        def write(f: h5py.File, stem: str, rows: slice) -> None:
            f.create_dataset('data', data=points[rows])
            f.create_dataset('label', data=labels[rows])
            f.create_dataset('normal', data=normals[rows])
            prefix, index = shard_key(stem)
            files = [f'{CLASSES[c]}/{i}.ply'
                     for c, i in zip(labels[rows, 0], ids[rows])]
            with open(osp.join(tmp_dir, f'{prefix}_{index}_id2file.json'),
                      'w') as jf:
                json.dump(files, jf)

        _write_shards(tmp_dir, out_dir, split, 'ply_data_', len(labels),
                      shard_size, write)
    with open(osp.join(tmp_dir, 'shape_names.txt'), 'w') as f:
        f.write('\n'.join(CLASSES) + '\n')


def generate_partseg(
        root: str,
        seed: int = 0,
        num_train_per_class: int = PARTSEG_DEFAULTS['num_train_per_class'],
        num_val_per_class: int = PARTSEG_DEFAULTS['num_val_per_class'],
        num_test_per_class: int = PARTSEG_DEFAULTS['num_test_per_class'],
        num_points: int = PARTSEG_DEFAULTS['num_points']) -> str:
    """Write (or reuse) the ShapeNetPart-layout set; returns its folder."""
    out_dir = osp.join(root, partseg_dir_name())
    meta = _meta('partseg', seed, num_points,
                 dict(train=num_train_per_class, val=num_val_per_class,
                      test=num_test_per_class),
                 part_ids={k: list(v) for k, v in PART_IDS.items()})
    return _build(
        out_dir, meta,
        f'Generating the synthetic part-segmentation set in {out_dir}',
        lambda tmp: _write_partseg(tmp, seed, num_train_per_class,
                                   num_val_per_class, num_test_per_class,
                                   num_points))


def _write_partseg(tmp_dir: str, seed: int, num_train_per_class: int,
                   num_val_per_class: int, num_test_per_class: int,
                   num_points: int) -> None:
    os.makedirs(osp.join(tmp_dir, 'train_test_split'))
    with open(osp.join(tmp_dir, 'synsetoffset2category.txt'), 'w') as f:
        for c, name in enumerate(CLASSES):
            f.write(f'{partseg_category(name)}\t{synset_of(c)}\n')
            os.makedirs(osp.join(tmp_dir, synset_of(c)))
    for split, per_class in (('train', num_train_per_class),
                             ('val', num_val_per_class),
                             ('test', num_test_per_class)):
        entries: List[str] = []
        for c, i, shape in _shapes(seed, split, per_class, num_points):
            shape_id = shape_id_of(c, split, i)
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


def generate_core(root: str,
                  seed: int = 0,
                  num_train_per_class: int = CORE_DEFAULTS[
                      'num_train_per_class'],
                  num_val_per_class: int = CORE_DEFAULTS['num_val_per_class'],
                  num_test_per_class: int = CORE_DEFAULTS[
                      'num_test_per_class'],
                  num_points: int = CORE_DEFAULTS['num_points'],
                  shard_size: int = 2048) -> str:
    """Write (or reuse) the set in the ShapeNetCore v2 HDF5 layout (for
    unsupervised pre-training); returns its folder."""
    out_dir = osp.join(root, core_dir_name(num_points))
    per_class = dict(train=num_train_per_class, val=num_val_per_class,
                     test=num_test_per_class)
    return _build(
        out_dir, _meta('core', seed, num_points, per_class),
        f'Generating the synthetic ShapeNetCore-layout set in {out_dir}',
        lambda tmp: _write_core(tmp, out_dir, seed, per_class, num_points,
                                shard_size))


def _write_core(tmp_dir: str, out_dir: str, seed: int,
                per_class: Dict[str, int], num_points: int,
                shard_size: int) -> None:
    # No shape_names.txt, like the release: names come from _id2name.json.
    for split, count in per_class.items():
        points, _, labels, ids = _shuffled_split(seed, split, count,
                                                 num_points)

        def write(f: h5py.File, stem: str, rows: slice) -> None:
            f.create_dataset('data', data=points[rows])
            f.create_dataset('label', data=labels[rows, None])
            names = [CLASSES[c] for c in labels[rows]]
            files = [f'{synset_of(c)}/{i}.obj'
                     for c, i in zip(labels[rows], ids[rows])]
            for suffix, values in (('id2name', names), ('id2file', files)):
                with open(osp.join(tmp_dir, f'{stem}_{suffix}.json'),
                          'w') as jf:
                    json.dump(values, jf)

        _write_shards(tmp_dir, out_dir, split, '', len(labels), shard_size,
                      write)


GENERATORS: Dict[str, Callable[..., str]] = dict(
    cls=generate_cls, partseg=generate_partseg, core=generate_core)


def generate(root: str, tasks: Sequence[str] = tuple(GENERATORS),
             seed: int = 0, **task_args: Dict) -> Dict[str, str]:
    """Generate the requested tasks' files under ``root``; ``task_args``
    maps a task (``cls``, ``partseg``, ``core``) to its generator's
    arguments."""
    unknown = set(tasks) | set(task_args)
    unknown -= set(GENERATORS)
    if unknown:
        raise ValueError(f'unknown task(s) {sorted(unknown)}; expected '
                         f'{sorted(GENERATORS)}')
    return {task: GENERATORS[task](root, seed=seed, **task_args.get(task, {}))
            for task in tasks}
