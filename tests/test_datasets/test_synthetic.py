import json
import os.path as osp

import numpy as np
import pytest

from pointmcd_plugin.datasets import (ModelNet40HDF5Dataset,
                                      SyntheticShapesClsDataset)
from pointmcd_plugin.datasets.synthetic import (CLASSES, NUM_PARTS, PART_IDS,
                                                generate_cls, make_shape)
from pointmcd_plugin.datasets.synthetic.writer import SPLIT_CODES


def test_every_category_builds_labelled_unit_shapes():
    assert len(CLASSES) >= 10
    assert NUM_PARTS == sum(len(v) for v in PART_IDS.values())
    for c, name in enumerate(CLASSES):
        shape = make_shape(name, np.random.default_rng([1, c]), 512)
        radius = np.linalg.norm(shape['points'], axis=1)
        assert shape['points'].shape == (512, 3)
        assert radius.max() == pytest.approx(1.0, abs=1e-5)
        assert np.abs(shape['points'].mean(0)).max() < 1e-5
        np.testing.assert_allclose(np.linalg.norm(shape['normals'], axis=1),
                                   1, atol=1e-4)
        # Every part of the category is sampled, and nothing else.
        assert set(np.unique(shape['part_labels'])) == set(PART_IDS[name])


def test_shapes_vary_within_a_class():
    a = make_shape('table', np.random.default_rng([0, 0, 0, 0]), 1024)
    b = make_shape('table', np.random.default_rng([0, 0, 0, 1]), 1024)
    extent = lambda s: np.ptp(s['points'], axis=0)  # noqa: E731
    assert np.abs(extent(a) - extent(b)).max() > 0.05


def test_cls_files_round_trip_through_the_modelnet40_loader(
        tiny_synthetic_root):
    root = osp.join(tiny_synthetic_root, 'synthetic_cls_hdf5_256')
    ds = ModelNet40HDF5Dataset(root, split='train',
                               metainfo=dict(classes=CLASSES),
                               load_normals=True)
    assert len(ds) == 4 * len(CLASSES)
    assert ds.metainfo['classes'] == CLASSES
    # Each stored cloud is exactly the shape the generator makes for its seed.
    seen = 0
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        c = info['gt_label']
        for j in range(4):
            ref = make_shape(CLASSES[c],
                             np.random.default_rng([0, c, SPLIT_CODES['train'],
                                                    j]), 256)
            if np.array_equal(ref['points'], info['points'][:, :3]):
                np.testing.assert_array_equal(ref['normals'],
                                              info['points'][:, 3:])
                seen += 1
                break
    assert seen == len(ds)
    labels = [ds.get_data_info(i)['gt_label'] for i in range(len(ds))]
    assert np.bincount(labels).tolist() == [4] * len(CLASSES)


def test_partseg_files_follow_the_shapenetpart_layout(tiny_synthetic_root):
    root = osp.join(tiny_synthetic_root, 'synthetic_partseg_normal')
    with open(osp.join(root, 'synsetoffset2category.txt')) as f:
        cats = dict(line.strip().split('\t')[::-1] for line in f)
    assert [v.lower() for v in cats.values()] == list(CLASSES)
    for split, per_class in (('train', 2), ('val', 1), ('test', 1)):
        with open(osp.join(root, 'train_test_split',
                           f'shuffled_{split}_file_list.json')) as f:
            entries = json.load(f)
        assert len(entries) == per_class * len(CLASSES)
        for entry in entries[:5]:
            _, synset, shape_id = entry.split('/')
            rows = np.loadtxt(osp.join(root, synset, shape_id + '.txt'))
            assert rows.shape == (256, 7)
            category = cats[synset].lower()
            assert set(rows[:, 6].astype(int)) == set(PART_IDS[category])


def test_generation_is_deterministic_and_checked(tmp_path):
    a = generate_cls(str(tmp_path / 'a'), seed=3, num_train_per_class=1,
                     num_test_per_class=1, num_points=64)
    b = generate_cls(str(tmp_path / 'b'), seed=3, num_train_per_class=1,
                     num_test_per_class=1, num_points=64)
    for name in ('ply_data_train0.h5', 'ply_data_test0.h5'):
        import h5py
        with h5py.File(osp.join(a, name)) as fa, h5py.File(osp.join(b, name)) as fb:
            np.testing.assert_array_equal(fa['data'][:], fb['data'][:])
    # Asking for another set where one exists is an error, not a reuse.
    with pytest.raises(ValueError, match='synthetic_meta.json describes'):
        generate_cls(str(tmp_path / 'a'), seed=4, num_train_per_class=1,
                     num_test_per_class=1, num_points=64)


def test_synthetic_dataset_generates_on_first_use(tmp_path):
    gen = dict(seed=0, num_train_per_class=1, num_test_per_class=1,
               num_points=64)
    ds = SyntheticShapesClsDataset(data_root=str(tmp_path), generate=gen,
                                   split='test')
    assert len(ds) == len(CLASSES)
    assert osp.isfile(osp.join(str(tmp_path), 'synthetic_cls_hdf5_64',
                               'synthetic_meta.json'))
    again = SyntheticShapesClsDataset(data_root=str(tmp_path), generate=gen,
                                      split='test')
    np.testing.assert_array_equal(ds.get_data_info(0)['points'],
                                  again.get_data_info(0)['points'])
