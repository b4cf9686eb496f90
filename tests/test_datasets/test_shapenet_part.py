import json
import os
import os.path as osp

import numpy as np
import pytest

from pointmcd_plugin.datasets import (SHAPENETPART_PART_IDS,
                                      ShapeNetPartDataset,
                                      SyntheticShapesPartSegDataset)
from pointmcd_plugin.datasets.synthetic import CLASSES, PART_IDS, make_shape
from pointmcd_plugin.datasets.synthetic.writer import SPLIT_CODES

REAL_SYNSETS = {'Airplane': '02691156', 'Mug': '03797390'}

# ShapeNetPart lists its point files; LoadShapePoints reads them.
LOAD = [dict(type='LoadShapePoints')]


def write_shapenetpart(root, points=50):
    """The exact structure of shapenetcore_partanno_segmentation_benchmark_v0_normal."""
    rng = np.random.default_rng(0)
    with open(osp.join(root, 'synsetoffset2category.txt'), 'w') as f:
        for cat, synset in REAL_SYNSETS.items():
            f.write(f'{cat}\t{synset}\n')
    os.makedirs(osp.join(root, 'train_test_split'))
    rows = {}
    splits = {'train': [], 'val': [], 'test': []}
    for i, (cat, synset) in enumerate(
            [('Airplane', '02691156')] * 3 + [('Mug', '03797390')] * 3):
        os.makedirs(osp.join(root, synset), exist_ok=True)
        shape = f'{i:032x}'
        xyzn = rng.standard_normal((points, 6))
        xyzn[:, 3:] /= np.linalg.norm(xyzn[:, 3:], axis=1, keepdims=True)
        data = np.concatenate([
            xyzn,
            rng.choice(SHAPENETPART_PART_IDS[cat], (points, 1))
        ], axis=1)
        np.savetxt(osp.join(root, synset, shape + '.txt'), data, fmt='%.6f')
        rows[shape] = (cat, data)
        splits[('train', 'val', 'test')[i % 3]].append(
            f'shape_data/{synset}/{shape}')
    for split, entries in splits.items():
        with open(osp.join(root, 'train_test_split',
                           f'shuffled_{split}_file_list.json'), 'w') as f:
            json.dump(entries, f)
    return rows


def test_reads_the_release_layout(tmp_path):
    rows = write_shapenetpart(str(tmp_path))
    ds = ShapeNetPartDataset(str(tmp_path), split='trainval', pipeline=LOAD)
    assert len(ds) == 4
    assert len(ShapeNetPartDataset(str(tmp_path), split='test')) == 2
    for i in range(len(ds)):
        info = ds[i]
        assert ds.get_cat_ids(i) == [info['category']]
        cat, data = rows[info['shape_id']]
        assert ds.metainfo['classes'][info['category']] == cat
        np.testing.assert_allclose(info['points'], data[:, :6], atol=1e-6)
        np.testing.assert_array_equal(info['pts_part_label'], data[:, 6])


def test_errors_name_the_file_and_the_expectation(tmp_path):
    with pytest.raises(FileNotFoundError,
                       match='does not exist.*synsetoffset2category.txt'):
        ShapeNetPartDataset(str(tmp_path / 'nope'))
    os.makedirs(tmp_path / 'empty')
    with pytest.raises(FileNotFoundError,
                       match='synsetoffset2category.txt is missing'):
        ShapeNetPartDataset(str(tmp_path / 'empty'))
    root = str(tmp_path / 'ok')
    os.makedirs(root)
    rows = write_shapenetpart(root)
    shape = next(iter(rows))
    cat, data = rows[shape]
    data[0, 6] = 49  # a Table part in another category
    np.savetxt(osp.join(root, REAL_SYNSETS[cat], shape + '.txt'), data)
    ds = ShapeNetPartDataset(root, split='trainval', pipeline=LOAD)
    with pytest.raises(ValueError, match=f'{shape}.txt: part labels'):
        for i in range(len(ds)):
            ds[i]


def test_synthetic_partseg_round_trip(tiny_synthetic_root):
    ds = SyntheticShapesPartSegDataset(
        tiny_synthetic_root, split='test',
        generate=dict(num_train_per_class=2, num_val_per_class=1,
                      num_test_per_class=1, num_points=256), pipeline=LOAD)
    assert len(ds) == len(CLASSES)
    for i in range(len(ds)):
        info = ds[i]
        c = info['category']
        ref = make_shape(CLASSES[c],
                         np.random.default_rng([0, c, SPLIT_CODES['test'], 0]),
                         256)
        np.testing.assert_allclose(info['points'][:, :3], ref['points'],
                                   atol=1e-6)
        np.testing.assert_array_equal(info['pts_part_label'],
                                      ref['part_labels'])
        assert set(info['pts_part_label']) == set(PART_IDS[CLASSES[c]])
