import json
import os.path as osp

import h5py
import numpy as np
import pytest

from pointmcd_plugin.datasets import (ShapeNetCoreV2HDF5Dataset,
                                      SyntheticShapesCoreDataset)
from pointmcd_plugin.datasets.synthetic import CLASSES

NAMES = ('airplane', 'bag', 'basket', 'bathtub')


def write_shapenetcore_v2(root, shards=(('train', 0, 5), ('train', 1, 3),
                                        ('val', 0, 2), ('test', 0, 4)),
                          points=32):
    """Files in the structure of shapenetcorev2_hdf5_2048 (AnTao97):
    <split><k>.h5 (data, label (n, 1)) with <split><k>_id2name.json and
    <split><k>_id2file.json, and <split>_files.txt."""
    rng = np.random.default_rng(0)
    arrays = {}
    listed = {}
    seen = 0
    for split, k, n in shards:
        stem = f'{split}{k}'
        data = rng.standard_normal((n, points, 3)).astype(np.float32)
        # Labels cycle through the categories across the shards.
        label = ((seen + np.arange(n)) % len(NAMES))[:, None]
        seen += n
        with h5py.File(osp.join(root, stem + '.h5'), 'w') as f:
            f['data'], f['label'] = data, label
        with open(osp.join(root, stem + '_id2name.json'), 'w') as f:
            json.dump([NAMES[i] for i in label[:, 0]], f)
        files = [f'{i:08d}/model_{stem}_{j}.obj' for j, i in
                 enumerate(label[:, 0])]
        with open(osp.join(root, stem + '_id2file.json'), 'w') as f:
            json.dump(files, f)
        arrays[stem] = (data, label[:, 0], files)
        listed.setdefault(split, []).append(
            f'data/shapenetcorev2_hdf5_2048/{stem}.h5')
    for split, names in listed.items():
        with open(osp.join(root, f'{split}_files.txt'), 'w') as f:
            f.write('\n'.join(names) + '\n')
    return arrays


def test_reads_the_release_layout(tmp_path):
    arrays = write_shapenetcore_v2(str(tmp_path))
    ds = ShapeNetCoreV2HDF5Dataset(str(tmp_path), split='train')
    # Names come from the _id2name.json files, in label order.
    assert ds.metainfo['classes'] == NAMES
    expected = [(d, lbl, f) for stem in ('train0', 'train1')
                for d, lbl, f in zip(*arrays[stem])]
    assert len(ds) == len(expected) == 8
    for i, (data, label, file) in enumerate(expected):
        info = ds.get_data_info(i)
        np.testing.assert_array_equal(info['points'], data)
        assert info['gt_label'] == label and info['shape_id'] == file
    assert len(ShapeNetCoreV2HDF5Dataset(str(tmp_path), split='val')) == 2
    assert len(ShapeNetCoreV2HDF5Dataset(str(tmp_path),
                                         split='trainval')) == 10
    assert len(ShapeNetCoreV2HDF5Dataset(str(tmp_path), split='all')) == 14


def test_sorts_shards_numerically_without_list_files(tmp_path):
    root = str(tmp_path)
    arrays = write_shapenetcore_v2(
        root, shards=[('train', k, 1) for k in (0, 1, 2, 10)])
    for split in ('train', ):
        (tmp_path / f'{split}_files.txt').unlink()
    ds = ShapeNetCoreV2HDF5Dataset(root, split='train')
    for i, k in enumerate((0, 1, 2, 10)):
        np.testing.assert_array_equal(ds.get_data_info(i)['points'],
                                      arrays[f'train{k}'][0][0])


def test_errors_name_files_and_release(tmp_path):
    with pytest.raises(FileNotFoundError,
                       match=r'\{train,val,test\}<k>.h5 with <shard>_id2name'
                       r'.json.*AnTao97/PointCloudDatasets'):
        ShapeNetCoreV2HDF5Dataset(str(tmp_path / 'missing'))
    root = str(tmp_path)
    write_shapenetcore_v2(root)
    with pytest.raises(ValueError, match='split must be one of'):
        ShapeNetCoreV2HDF5Dataset(root, split='training')
    with pytest.raises(TypeError, match='load_normals'):
        ShapeNetCoreV2HDF5Dataset(root, load_normals=True)
    # A label named differently in two files.
    with open(osp.join(root, 'test0_id2name.json'), 'w') as f:
        json.dump(['zebra'] * 4, f)
    with pytest.raises(ValueError, match=r"label 0 is named '\w+' in .*"
                       r"_id2name.json but '\w+' in .*_id2name.json") as e:
        ShapeNetCoreV2HDF5Dataset(root)
    message = str(e.value)
    assert 'zebra' in message and 'airplane' in message
    assert 'test0_id2name.json' in message


def test_names_need_json_or_shape_names(tmp_path):
    root = str(tmp_path)
    write_shapenetcore_v2(root)
    for p in tmp_path.glob('*_id2name.json'):
        p.unlink()
    with pytest.raises(FileNotFoundError, match='_id2name.json'):
        ShapeNetCoreV2HDF5Dataset(root)
    (tmp_path / 'shape_names.txt').write_text('\n'.join(NAMES) + '\n')
    assert ShapeNetCoreV2HDF5Dataset(root).metainfo['classes'] == NAMES


def test_json_length_must_match(tmp_path):
    root = str(tmp_path)
    write_shapenetcore_v2(root)
    with open(osp.join(root, 'val0_id2file.json'), 'w') as f:
        json.dump(['a'], f)
    with pytest.raises(ValueError, match='val0_id2file.json names 1 files'):
        ShapeNetCoreV2HDF5Dataset(root, split='val')


def test_embedded_set_through_the_loader(tiny_synthetic_root):
    ds = SyntheticShapesCoreDataset(
        tiny_synthetic_root,
        generate=dict(num_train_per_class=2, num_val_per_class=1,
                      num_test_per_class=1, num_points=256),
        split='all')
    assert ds.metainfo['classes'] == tuple(CLASSES)
    assert len(ds) == 4 * len(CLASSES)
    labels = [ds.get_data_info(i)['gt_label'] for i in range(len(ds))]
    assert sorted(set(labels)) == list(range(len(CLASSES)))
    info = ds.get_data_info(0)
    assert info['points'].shape == (256, 3)
    assert info['shape_id'].endswith('.obj')
