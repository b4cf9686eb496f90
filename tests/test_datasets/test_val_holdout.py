"""A validation split held out of the training split of releases that
have none (ModelNet40, ScanObjectNN): stratified, deterministic, disjoint."""
import json
import os.path as osp

import h5py
import numpy as np
import pytest

from pointmcd_plugin.datasets import ModelNet40HDF5Dataset
from pointmcd_plugin.datasets.base import holdout_mask

CLASSES = ('airplane', 'bathtub', 'bed')


def write_release(root, per_class=10, points=8):
    """A ModelNet40-HDF5-layout release of 3 classes with shape ids."""
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(3), per_class)
    rng.shuffle(labels)
    data = rng.standard_normal((len(labels), points, 3)).astype(np.float32)
    # Each cloud's first coordinate is its row: tells the rows apart.
    data[:, 0, 0] = np.arange(len(labels))
    with h5py.File(osp.join(root, 'ply_data_train0.h5'), 'w') as f:
        f['data'], f['label'] = data, labels[:, None].astype(np.uint8)
    ids = [f'{CLASSES[c]}/{CLASSES[c]}_{i:04d}.ply'
           for i, c in enumerate(labels)]
    with open(osp.join(root, 'ply_data_train_0_id2file.json'), 'w') as f:
        json.dump(ids, f)
    with open(osp.join(root, 'shape_names.txt'), 'w') as f:
        f.write('\n'.join(CLASSES) + '\n')
    return data, labels


def build(root, split, holdout=dict(fraction=0.2, seed=0)):
    return ModelNet40HDF5Dataset(str(root), split=split, val_holdout=holdout,
                                 metainfo=dict(classes=CLASSES))


def test_val_and_train_partition_the_release_train_split_per_class(
        tmp_path):
    data, labels = write_release(str(tmp_path))
    train, val = build(tmp_path, 'train'), build(tmp_path, 'val')
    full = ModelNet40HDF5Dataset(str(tmp_path), split='train',
                                 metainfo=dict(classes=CLASSES))
    ids = lambda ds: [ds.get_data_info(i)['shape_id']  # noqa: E731
                      for i in range(len(ds))]
    assert len(full) == 30 and len(train) == 24 and len(val) == 6
    assert not set(ids(train)) & set(ids(val))
    assert sorted(ids(train) + ids(val)) == sorted(ids(full))
    # Stratified: 2 of each class's 10 held out.
    assert sorted(val.get_cat_ids(i)[0] for i in range(6)) == [0, 0, 1, 1,
                                                              2, 2]
    # Samples are renumbered (the knowledge cache's row order) and still
    # carry their own cloud.
    for ds in (train, val):
        for i in range(len(ds)):
            info = ds.get_data_info(i)
            assert info['sample_idx'] == i
            row = int(info['points'][0, 0])
            assert info['shape_id'] == ids(full)[row]
            assert info['gt_label'] == labels[row]


def test_the_choice_depends_on_ids_and_seed_only():
    ids = [f'shape_{i}' for i in range(40)]
    labels = [i % 4 for i in range(40)]
    a = holdout_mask(ids, labels, 0.3, 0)
    shuffled = list(zip(ids, labels))[::-1]
    b = holdout_mask([s for s, _ in shuffled], [c for _, c in shuffled],
                     0.3, 0)
    held_a = {s for s, h in zip(ids, a) if h}
    held_b = {s for (s, _), h in zip(shuffled, b) if h}
    assert held_a == held_b and len(held_a) == 12
    assert held_a != {s for s, h in zip(ids, holdout_mask(ids, labels, 0.3,
                                                           1)) if h}
    # A one-shape class stays in training; no class is emptied.
    assert holdout_mask(['x', 'y', 'z'], [0, 1, 1], 0.1, 0) == [False,
                                                                 True, False] \
        or holdout_mask(['x', 'y', 'z'], [0, 1, 1], 0.1, 0) == [False, False,
                                                                 True]
    assert holdout_mask(['x', 'y'], [0, 0], 0.9, 0).count(True) == 1


def test_bad_holdouts_are_refused(tmp_path):
    write_release(str(tmp_path))
    with pytest.raises(ValueError, match='hold one out of train with '
                       'val_holdout'):
        ModelNet40HDF5Dataset(str(tmp_path), split='val')
    with pytest.raises(ValueError, match='0 < f < 1'):
        build(tmp_path, 'val', dict(fraction=1.5, seed=0))
    from pointmcd_plugin.datasets import ShapeNetPartDataset
    with pytest.raises(ValueError, match='has a validation split of its own'):
        ShapeNetPartDataset(str(tmp_path), split='val',
                            val_holdout=dict(fraction=0.1, seed=0))


def test_a_holdout_that_leaves_no_validation_shapes_is_refused(tmp_path):
    write_release(str(tmp_path), per_class=1)
    assert len(build(tmp_path, 'train')) == 3  # one-shape classes train
    with pytest.raises(ValueError, match="leaves the 'val' split .* without "
                       'samples'):
        build(tmp_path, 'val')
