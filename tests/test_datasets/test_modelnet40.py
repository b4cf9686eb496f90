import json
import os
import os.path as osp

import h5py
import numpy as np
import pytest

from pointmcd_plugin.datasets import (MODELNET40_CLASSES,
                                      ModelNet40HDF5Dataset,
                                      ModelNet40ResampledDataset)

# Text layouts list their point files; LoadShapePoints reads them.
LOAD = [dict(type='LoadShapePoints')]


def write_modelnet40_hdf5(root, n_train=5, n_test=3, points=64,
                          id_files=True):
    """Write files in the exact structure of modelnet40_ply_hdf5_2048,
    with its ``ply_data_{split}_0_id2file.json`` (``<class>/<id>.ply``)."""
    rng = np.random.default_rng(0)
    arrays = {}
    for split, n in (('train', n_train), ('test', n_test)):
        data = rng.standard_normal((n, points, 3)).astype(np.float32)
        label = rng.integers(0, 40, (n, 1)).astype(np.uint8)
        normal = rng.standard_normal((n, points, 3)).astype(np.float32)
        normal /= np.linalg.norm(normal, axis=-1, keepdims=True)
        with h5py.File(osp.join(root, f'ply_data_{split}0.h5'), 'w') as f:
            f['data'], f['label'], f['normal'] = data, label, normal
        if id_files:
            names = [MODELNET40_CLASSES[c] for c in label[:, 0]]
            with open(osp.join(root, f'ply_data_{split}_0_id2file.json'),
                      'w') as f:
                json.dump([f'{c}/{c}_{i + 1:04d}.ply'
                           for i, c in enumerate(names)], f)
        with open(osp.join(root, f'{split}_files.txt'), 'w') as f:
            f.write(f'data/modelnet40_ply_hdf5_2048/ply_data_{split}0.h5\n')
        arrays[split] = (data, label, normal)
    with open(osp.join(root, 'shape_names.txt'), 'w') as f:
        f.write('\n'.join(MODELNET40_CLASSES) + '\n')
    return arrays


def test_reads_the_release_layout(tmp_path):
    arrays = write_modelnet40_hdf5(str(tmp_path))
    ds = ModelNet40HDF5Dataset(str(tmp_path), split='test', test_mode=True)
    data, label, normal = arrays['test']
    assert len(ds) == 3 and ds.metainfo['classes'] == MODELNET40_CLASSES
    for i in range(3):
        info = ds.get_data_info(i)
        np.testing.assert_array_equal(info['points'], data[i])
        assert info['gt_label'] == int(label[i, 0])
        assert ds.get_cat_ids(i) == [int(label[i, 0])]
        # Shape ids from the release's id2file json.
        name = MODELNET40_CLASSES[int(label[i, 0])]
        assert info['shape_id'] == f'{name}_{i + 1:04d}'
    with_normals = ModelNet40HDF5Dataset(str(tmp_path), split='train',
                                         load_normals=True)
    np.testing.assert_array_equal(
        with_normals.get_data_info(1)['points'],
        np.concatenate([arrays['train'][0][1], arrays['train'][2][1]], -1))
    # Without the id files a cloud is named by its shard and row.
    for name in ('train', 'test'):
        os.remove(tmp_path / f'ply_data_{name}_0_id2file.json')
    ds = ModelNet40HDF5Dataset(str(tmp_path), split='test')
    assert ds.get_data_info(2)['shape_id'] == 'ply_data_test0.h5:2'


def test_missing_root_names_expected_files(tmp_path):
    with pytest.raises(FileNotFoundError,
                       match='ply_data_train.*shape_names.txt.*PointNet'):
        ModelNet40HDF5Dataset(str(tmp_path / 'nope'))


def test_missing_files_and_bad_fields(tmp_path):
    root = str(tmp_path)
    write_modelnet40_hdf5(root)
    with open(osp.join(root, 'shape_names.txt'), 'w') as f:
        f.write('a\nb\n')
    with pytest.raises(ValueError, match='shape_names.txt lists 2 classes'):
        ModelNet40HDF5Dataset(root)
    write_modelnet40_hdf5(root)
    with h5py.File(osp.join(root, 'ply_data_train0.h5'), 'w') as f:
        f['data'] = np.zeros((2, 8, 3), np.float32)
    with pytest.raises(KeyError, match="ply_data_train0.h5 has no 'label'"):
        ModelNet40HDF5Dataset(root)


def write_modelnet40_resampled(root, points=30):
    """The structure of modelnet40_normal_resampled (comma-separated rows)."""
    rng = np.random.default_rng(1)
    with open(osp.join(root, 'modelnet40_shape_names.txt'), 'w') as f:
        f.write('\n'.join(MODELNET40_CLASSES) + '\n')
    shapes = {'train': ['airplane_0001', 'chair_0007'],
              'test': ['xbox_0104']}
    rows = {}
    for split, ids in shapes.items():
        with open(osp.join(root, f'modelnet40_{split}.txt'), 'w') as f:
            f.write('\n'.join(ids) + '\n')
        for shape in ids:
            cls_name = shape.rsplit('_', 1)[0]
            os.makedirs(osp.join(root, cls_name), exist_ok=True)
            rows[shape] = rng.standard_normal((points, 6)).astype(np.float32)
            rows[shape][:, 3:] /= np.linalg.norm(rows[shape][:, 3:], axis=1,
                                                 keepdims=True)
            np.savetxt(osp.join(root, cls_name, shape + '.txt'),
                       rows[shape], fmt='%.6f', delimiter=',')
    return rows


def test_reads_the_resampled_text_layout(tmp_path):
    rows = write_modelnet40_resampled(str(tmp_path))
    ds = ModelNet40ResampledDataset(str(tmp_path), split='train',
                                    load_normals=True, pipeline=LOAD)
    assert len(ds) == 2
    assert ds.get_cat_ids(1) == [MODELNET40_CLASSES.index('chair')]
    info = ds[1]
    assert info['shape_id'] == 'chair_0007'
    assert info['gt_label'] == MODELNET40_CLASSES.index('chair')
    np.testing.assert_allclose(info['points'], rows['chair_0007'], atol=1e-6)
    first = ModelNet40ResampledDataset(str(tmp_path), split='test',
                                       num_points=10, pipeline=LOAD)
    np.testing.assert_allclose(first[0]['points'],
                               rows['xbox_0104'][:10, :3], atol=1e-6)
    with pytest.raises(ValueError, match='fewer than num_points=100'):
        ModelNet40ResampledDataset(str(tmp_path), num_points=100,
                                   pipeline=LOAD)[0]
    with pytest.raises(FileNotFoundError,
                       match='nope.* does not exist.*modelnet40_shape_names'):
        ModelNet40ResampledDataset(str(tmp_path / 'nope'))
