"""Failures met on real release files, each reproduced with small files in
the release's layout: every one must name the file and what was
expected, before training starts where it can."""
import json
import os
import os.path as osp

import numpy as np
import pytest
from mmengine.registry import init_default_scope

from pointmcd_plugin.datasets import (ModelNet40HDF5Dataset,
                                      ModelNet40ResampledDataset,
                                      PointMCDModelNet40Dataset,
                                      PointMCDShapeNetPartDataset,
                                      ScanObjectNNDataset,
                                      ShapeNetCoreV2HDF5Dataset,
                                      ShapeNetPartDataset)
from pointmcd_plugin.datasets.transforms import RenderPointViews
from .test_modelnet40 import write_modelnet40_hdf5, write_modelnet40_resampled
from .test_pointmcd_preprocessed import (write_authors_layout,
                                         write_authors_shapenetpart)
from .test_shapenet_part import REAL_SYNSETS, write_shapenetpart

# Text layouts list their point files; LoadShapePoints reads them.
LOAD = [dict(type='LoadShapePoints')]


@pytest.fixture(autouse=True)
def mmdet3d_scope():
    """Pipelines are built in the default scope (configs set
    ``default_scope = 'mmdet3d'``), so the file also runs on its own."""
    init_default_scope('mmdet3d')


@pytest.mark.parametrize('dataset', [
    ModelNet40HDF5Dataset, ModelNet40ResampledDataset, ShapeNetPartDataset,
    ScanObjectNNDataset, ShapeNetCoreV2HDF5Dataset,
    PointMCDModelNet40Dataset, PointMCDShapeNetPartDataset
])
def test_a_missing_data_root_is_reported_as_such(tmp_path, dataset):
    root = str(tmp_path / 'not_downloaded')
    with pytest.raises(FileNotFoundError) as e:
        dataset(root)
    assert f"data_root '{root}' does not exist" in str(e.value)
    assert 'Expected' in str(e.value)  # ... and what belongs there


def test_shapenetpart_unreadable_shape_files_are_named(tmp_path):
    root = str(tmp_path)
    rows = write_shapenetpart(root)
    ds = ShapeNetPartDataset(root, split='trainval', pipeline=LOAD)
    path = ds.get_data_info(0)['pts_path']
    # A truncated file (a row cut short) and a comma-separated one.
    with open(path) as f:
        text = f.read()
    with open(path, 'w') as f:
        f.write(text[:len(text) // 2 + 7])
    with pytest.raises(ValueError) as e:
        ds[0]
    assert path in str(e.value) and 'x y z nx ny nz part' in str(e.value)
    cat, data = rows[osp.splitext(osp.basename(path))[0]]
    np.savetxt(path, data, fmt='%.6f', delimiter=',')
    with pytest.raises(ValueError, match=f'{path}.*7 columns'):
        ds[0]


def test_authors_point_files_in_another_format_are_named(tmp_path):
    root, expt = str(tmp_path / 'data'), str(tmp_path / 'expt')
    os.makedirs(root)
    data = write_authors_layout(root, expt)
    load = LOAD + [dict(type='LoadViewVisibility')]
    ds = PointMCDModelNet40Dataset(root, split='train',
                                   load_visibility=True, pipeline=load)
    info = ds.get_data_info(0)
    np.savetxt(info['pts_path'], data['airplane_0001'][0], delimiter=',',
               fmt='%.6f')
    with pytest.raises(ValueError, match=f'{info["pts_path"]}.*"x y z"'):
        ds[0]
    np.savetxt(info['pts_path'], data['airplane_0001'][0], fmt='%.6f')
    with open(info['vis_path'], 'w') as f:
        f.write('0 1 1\n1 0')
    with pytest.raises(ValueError, match=f'{info["vis_path"]}'):
        PointMCDModelNet40Dataset(root, split='test', load_visibility=True,
                                  pipeline=load)[0]
    # The ShapeNetPart layout's ';' rows.
    sroot, sexpt = str(tmp_path / 'sdata'), str(tmp_path / 'sexpt')
    os.makedirs(sroot)
    write_authors_shapenetpart(sroot, sexpt)
    sds = PointMCDShapeNetPartDataset(sroot, split='train', pipeline=LOAD)
    path = sds.get_data_info(0)['pts_path']
    with open(path, 'w') as f:
        f.write('0.1 0.2 0.3 1\n')
    with pytest.raises(ValueError, match=f'{path}.*"x;y;z;part"'):
        sds[0]


def test_empty_split_lists_name_the_list(tmp_path):
    root = str(tmp_path / 'resampled')
    os.makedirs(root)
    write_modelnet40_resampled(root)
    open(osp.join(root, 'modelnet40_test.txt'), 'w').close()
    with pytest.raises(ValueError,
                       match="'test' split .* no samples: "
                       'modelnet40_test.txt lists none'):
        ModelNet40ResampledDataset(root, split='test')
    root = str(tmp_path / 'part')
    os.makedirs(root)
    write_shapenetpart(root)
    with open(osp.join(root, 'train_test_split',
                       'shuffled_test_file_list.json'), 'w') as f:
        json.dump([], f)
    with pytest.raises(ValueError,
                       match='no samples: .*shuffled_test_file_list.json '
                       'lists none'):
        ShapeNetPartDataset(root, split='test')


def test_shapes_missing_on_disk_are_counted_and_named_when_built(tmp_path):
    """The full ModelNet40 lists beside a partial download."""
    root = str(tmp_path)
    write_modelnet40_resampled(root)
    with open(osp.join(root, 'modelnet40_train.txt'), 'a') as f:
        f.write('\n'.join(f'bathtub_{i:04d}' for i in range(1, 13)) + '\n')
    with pytest.raises(FileNotFoundError) as e:
        ModelNet40ResampledDataset(root, split='train')
    msg = str(e.value)
    assert '12 of 14 samples' in msg and 'modelnet40_train.txt' in msg
    assert 'bathtub_0001: ' + osp.join(root, 'bathtub',
                                       'bathtub_0001.txt') in msg
    assert '... and 2 more' in msg and 'partial download' in msg
    # ShapeNetPart: a json entry whose file is gone.
    proot = str(tmp_path / 'part')
    os.makedirs(proot)
    rows = write_shapenetpart(proot)
    shape = next(iter(rows))
    os.remove(osp.join(proot, REAL_SYNSETS[rows[shape][0]], shape + '.txt'))
    with pytest.raises(FileNotFoundError,
                       match=f'(?s)1 of 4 samples .*{shape}.txt'):
        ShapeNetPartDataset(proot, split='trainval')


def test_empty_hdf5_shards_and_shard_lists_are_named(tmp_path):
    import h5py
    root = str(tmp_path)
    write_modelnet40_hdf5(root, id_files=False)
    with h5py.File(osp.join(root, 'ply_data_test0.h5'), 'w') as f:
        f['data'] = np.zeros((0, 8, 3), np.float32)
        f['label'] = np.zeros((0, 1), np.uint8)
    with pytest.raises(ValueError,
                       match="'test' split .* no samples: "
                       'ply_data_test0.h5 lists none'):
        ModelNet40HDF5Dataset(root, split='test')
    open(osp.join(root, 'train_files.txt'), 'w').close()
    with pytest.raises(ValueError, match='train_files.txt lists no shards'):
        ModelNet40HDF5Dataset(root, split='train')


def test_a_truncated_hdf5_file_is_named(tmp_path):
    root = str(tmp_path)
    write_modelnet40_hdf5(root, n_train=40, points=256)
    path = osp.join(root, 'ply_data_train0.h5')
    size = osp.getsize(path)
    with open(path, 'r+b') as f:
        f.truncate(size // 2)
    with pytest.raises(OSError) as e:
        ModelNet40HDF5Dataset(root, split='train')
    assert path in str(e.value) and 'truncated or corrupt' in str(e.value)


def test_non_unit_and_zero_normals_are_normalised_on_load(tmp_path):
    """ModelNet40's bathtub_0001.txt row 141 has normal 1,1,1."""
    root = str(tmp_path)
    rows = write_modelnet40_resampled(root, points=200)
    path = osp.join(root, 'chair', 'chair_0007.txt')
    data = rows['chair_0007'].copy()
    data[140, 3:] = 1.0
    data[141, 3:] = 0.0
    np.savetxt(path, data, fmt='%.6f', delimiter=',')
    ds = ModelNet40ResampledDataset(root, split='train', load_normals=True,
                                    pipeline=LOAD)
    points = ds[1]['points']
    norms = np.linalg.norm(points[:, 3:], axis=1)
    np.testing.assert_allclose(norms[140], 1.0, rtol=1e-6)
    assert norms[141] == 0.0 and np.isfinite(points).all()
    np.testing.assert_allclose(np.delete(norms, 141), 1.0, rtol=1e-5)
    # Shading stays within the surface grey levels ([0.1, 0.9] of white)
    # even for normals that bypass the loaders.
    raw = data.copy()
    raw[:, 3:] *= 3.0
    views = np.stack(RenderPointViews(image_size=64)(dict(points=raw))['img'])
    surface = views[views < 255]
    assert surface.min() >= 25 and surface.max() <= 230
    # The HDF5 release's normal field too.
    hroot = str(tmp_path / 'h5')
    os.makedirs(hroot)
    arrays = write_modelnet40_hdf5(hroot)
    import h5py
    with h5py.File(osp.join(hroot, 'ply_data_test0.h5'), 'r+') as f:
        normal = f['normal'][:]
        normal[0, 0] = (1.0, 1.0, 1.0)
        f['normal'][...] = normal
    pts = ModelNet40HDF5Dataset(hroot, split='test', load_normals=True
                                ).get_data_info(0)['points']
    np.testing.assert_allclose(pts[0, 3:], np.full(3, 3**-0.5), rtol=1e-6)
    np.testing.assert_array_equal(pts[1:, :3], arrays['test'][0][0][1:])
