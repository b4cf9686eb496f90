"""Bad numbers in real files: NaN / inf coordinates and normals, all-zero
normals, and per-sample errors that must say which sample. Each case is
a small file written in the release's layout; errors name the file and the
row (HDF5: the shard, the cloud and the point row)."""
import os
import os.path as osp
import re

import h5py
import numpy as np
import pytest
from mmdet3d.registry import TRANSFORMS
from mmengine.registry import init_default_scope

from pointmcd_plugin.datasets import (ModelNet40HDF5Dataset,
                                      ModelNet40ResampledDataset,
                                      ShapeNetPartDataset)
from pointmcd_plugin.datasets.transforms import multiview
from pointmcd_plugin.geometry import nearest_neighbours, normal_flip_fraction
from .test_modelnet40 import write_modelnet40_hdf5, write_modelnet40_resampled
from .test_multiview import fibonacci_sphere
from .test_shapenet_part import REAL_SYNSETS, write_shapenetpart

LOAD = [dict(type='LoadShapePoints')]


@pytest.fixture(autouse=True)
def mmdet3d_scope():
    """Datasets build their pipelines in the default scope (configs set
    ``default_scope = 'mmdet3d'``), so the file also runs on its own."""
    init_default_scope('mmdet3d')


def _edit_shard(path, key, cloud, row, value):
    with h5py.File(path, 'r+') as f:
        array = f[key][:]
        array[cloud, row] = value
        f[key][...] = array


@pytest.mark.parametrize('value', [np.nan, np.inf])
def test_hdf5_non_finite_coordinates_name_shard_cloud_and_row(tmp_path,
                                                              value):
    root = str(tmp_path)
    write_modelnet40_hdf5(root)
    path = osp.join(root, 'ply_data_train0.h5')
    _edit_shard(path, 'data', 3, 17, (0.1, value, 0.2))
    _edit_shard(path, 'data', 4, 2, (value, 0.0, 0.0))
    for load_normals in (False, True):  # the baseline pipelines too
        with pytest.raises(ValueError) as e:
            ModelNet40HDF5Dataset(root, split='train',
                                  load_normals=load_normals)
        msg = str(e.value)
        assert path in msg and 'non-finite coordinates' in msg
        assert 'cloud 3 (shape ' in msg and 'point row 17' in msg
        assert 'data[3, 17]' in msg
        assert 'points: 2, in 2 of the 5 clouds' in msg
        # The shape id from the release's id2file json names the shape.
        assert re.search(r'cloud 3 \(shape [a-z_]+_0004\)', msg), msg
    assert len(ModelNet40HDF5Dataset(root, split='test')) == 3  # untouched
    # Without id files the cloud index is the name.
    os.remove(osp.join(root, 'ply_data_train_0_id2file.json'))
    with pytest.raises(ValueError, match=r'cloud 3 has non-finite'):
        ModelNet40HDF5Dataset(root, split='train')


def test_hdf5_non_finite_normals_are_refused_when_loaded(tmp_path):
    root = str(tmp_path)
    arrays = write_modelnet40_hdf5(root)
    path = osp.join(root, 'ply_data_test0.h5')
    _edit_shard(path, 'normal', 1, 40, (np.nan, np.nan, np.nan))
    with pytest.raises(ValueError) as e:
        ModelNet40HDF5Dataset(root, split='test', load_normals=True)
    msg = str(e.value)
    assert path in msg and 'non-finite normals' in msg
    assert 'point row 40' in msg and 'normal[1, 40] = (nan, nan, nan)' in msg
    # Not loaded, they do not matter.
    ds = ModelNet40HDF5Dataset(root, split='test')
    np.testing.assert_array_equal(ds.get_data_info(1)['points'],
                                  arrays['test'][0][1])
    # inf normals would become NaN when normalised: refused as read.
    _edit_shard(path, 'normal', 1, 40, (np.inf, 0.0, 0.0))
    with pytest.raises(ValueError, match=r'normal\[1, 40\] = \(inf, 0, 0\)'):
        ModelNet40HDF5Dataset(root, split='test', load_normals=True)


def _resampled(root, shape='chair_0007', points=200):
    rows = write_modelnet40_resampled(root, points=points)
    cls_name = shape.rsplit('_', 1)[0]
    return rows[shape].copy(), osp.join(root, cls_name, shape + '.txt')


@pytest.mark.parametrize('layout', ['normals', 'xyz only'])
def test_text_non_finite_coordinates_name_file_and_row(tmp_path, layout):
    root = str(tmp_path)
    data, path = _resampled(root)
    data[41, 1] = np.nan
    data[99, 0] = -np.inf
    np.savetxt(path, data, fmt='%.6f', delimiter=',')
    ds = ModelNet40ResampledDataset(root, split='train', pipeline=LOAD,
                                    load_normals=layout == 'normals')
    with pytest.raises(ValueError) as e:
        ds[1]
    msg = str(e.value)
    assert path in msg and 'row 42 of 200' in msg
    assert 'non-finite coordinates' in msg and 'non-finite rows: 2' in msg
    assert '"x y z nx ny nz"' in msg and 'nan' in msg
    ds[0]  # the other shapes still load


def test_text_non_finite_normals_name_file_and_row(tmp_path):
    root = str(tmp_path)
    data, path = _resampled(root)
    data[140, 3:] = np.nan
    np.savetxt(path, data, fmt='%.6f', delimiter=',')
    ds = ModelNet40ResampledDataset(root, split='train', load_normals=True,
                                    pipeline=LOAD)
    with pytest.raises(ValueError,
                       match=rf'{re.escape(path)}: row 141 of 200 has '
                       'non-finite normals'):
        ds[1]
    # Columns the sample does not keep are not checked.
    xyz = ModelNet40ResampledDataset(root, split='train', pipeline=LOAD)[1]
    np.testing.assert_allclose(xyz['points'], data[:, :3], atol=1e-6)


def test_shapenetpart_non_finite_rows_name_file_and_row(tmp_path):
    root = str(tmp_path)
    rows = write_shapenetpart(root)
    ds = ShapeNetPartDataset(root, split='trainval', pipeline=LOAD)
    info = ds.get_data_info(0)
    path = info['pts_path']
    cat, data = rows[info['shape_id']]
    for column, kind in ((4, 'normals'), (2, 'coordinates'),
                         (6, 'part label')):
        bad = data.copy()
        bad[7, column] = np.nan
        np.savetxt(path, bad, fmt='%.6f')
        with pytest.raises(ValueError) as e:
            ds[0]
        msg = str(e.value)
        assert path in msg and 'row 8 of 50' in msg, msg
        assert f'non-finite {kind}' in msg and 'x y z nx ny nz part' in msg
    assert path.startswith(osp.join(root, REAL_SYNSETS[cat]))


def test_non_finite_points_from_elsewhere_name_the_sample():
    """Points that bypass the loaders (another loader, a transform): the
    multi-view transforms name the sample instead of scipy's "data must
    be finite"."""
    sphere = fibonacci_sphere(300)
    pts = np.concatenate([sphere, sphere], 1).astype(np.float32)
    pts[5, 0] = np.nan
    results = dict(points=pts, sample_idx=4, shape_id='vase_0483')
    for cfg in (dict(type='ComputeViewVisibility'),
                dict(type='RenderPointViews', image_size=32,
                     shading='depth')):
        with pytest.raises(ValueError) as e:
            TRANSFORMS.build(cfg)(dict(results))
        msg = str(e.value)
        assert 'sample 4 (vase_0483)' in msg and 'point row 5' in msg
        assert 'non-finite coordinates' in msg and cfg['type'] in msg
    pts = np.concatenate([sphere, sphere], 1).astype(np.float32)
    pts[9, 4] = np.inf
    for cfg in (dict(type='ComputeViewVisibility', cull_backfaces='auto'),
                dict(type='RenderPointViews', image_size=32)):
        with pytest.raises(ValueError,
                           match=r'sample 4 \(vase_0483\) has non-finite '
                           r'normals at point row 9'):
            TRANSFORMS.build(cfg)(dict(results, points=pts))


@pytest.fixture
def warnings(monkeypatch):
    logged = []
    monkeypatch.setattr(multiview, 'print_log',
                        lambda msg, **kw: logged.append(msg))
    return logged


@pytest.mark.parametrize('cull', [True, 'auto'])
def test_all_zero_normals_are_not_culled_and_say_so(tmp_path, warnings,
                                                    cull):
    """A release without normals written as zeros: culling would hide
    every point from every view."""
    root = str(tmp_path)
    data, path = _resampled(root, points=400)
    data[:, :3] = fibonacci_sphere(400)
    data[:, 3:] = 0.0
    np.savetxt(path, data, fmt='%.6f', delimiter=',')
    vis = dict(type='ComputeViewVisibility')
    plain = ModelNet40ResampledDataset(
        root, split='train', load_normals=True, pipeline=LOAD + [vis])[1]
    ds = ModelNet40ResampledDataset(
        root, split='train', load_normals=True,
        pipeline=LOAD + [dict(vis, cull_backfaces=cull)])
    culled = ds[1]
    assert plain['visibility'].mean() > 0.2
    np.testing.assert_array_equal(culled['visibility'], plain['visibility'])
    assert len(warnings) == 1 and 'no normals to judge' in warnings[0]
    assert 'sample 1 (chair_0007, ' + path in warnings[0]
    ds[1]
    assert len(warnings) == 1  # once per transform
    _, nn = nearest_neighbours(data[:, :3])
    assert np.isnan(normal_flip_fraction(data[:, :3], data[:, 3:], nn))


def test_points_without_a_normal_are_never_culled(warnings):
    """A partly broken file: the points with normals are culled, those
    with a zero normal keep their visibility."""
    sphere = fibonacci_sphere(1024)
    normals = sphere.copy()
    zero = np.arange(1024) % 3 == 0
    normals[zero] = 0.0
    pts = np.concatenate([sphere, normals], 1).astype(np.float32)
    build = TRANSFORMS.build
    plain = build(dict(type='ComputeViewVisibility'))(dict(points=pts))
    for cull in (True, 'auto'):
        out = build(dict(type='ComputeViewVisibility',
                         cull_backfaces=cull))(dict(points=pts))
        vis, ref = out['visibility'], plain['visibility']
        np.testing.assert_array_equal(vis[zero], ref[zero])
        assert vis[~zero].sum() < ref[~zero].sum()  # culling did run
        assert not (vis & ~ref).any()
    assert warnings == []


def test_sample_points_errors_name_the_file_and_shape(tmp_path):
    root = str(tmp_path)
    data, path = _resampled(root, points=100)
    pipeline = LOAD + [dict(type='SamplePoints', num_points=1000)]
    ds = ModelNet40ResampledDataset(root, split='train', pipeline=pipeline)
    with pytest.raises(ValueError) as e:
        ds[1]
    assert str(e.value) == (
        f'SamplePoints: sample 1 (chair_0007, {path}) has 100 points, '
        'fewer than num_points=1000')
    # HDF5 samples are named by their shape id.
    hroot = str(tmp_path / 'h5')
    os.makedirs(hroot)
    write_modelnet40_hdf5(hroot)
    h5 = ModelNet40HDF5Dataset(hroot, split='test', pipeline=[
        dict(type='RandomRotatePoints'), dict(type='ComputeViewVisibility'),
        dict(type='RandomRotatePoints')])
    shape_id = h5.get_data_info(2)['shape_id']
    with pytest.raises(ValueError,
                       match=rf'RandomRotatePoints: sample 2 \({shape_id}\) '
                       'already carries'):
        h5[2]


def test_non_finite_teacher_knowledge_is_refused_naming_cache_and_shape(
        tmp_path):
    from pointmcd_plugin.datasets.knowledge import TeacherKnowledgeCache
    desc = np.ones((2, 3, 4), np.float32)
    desc[1, 2, 0] = np.nan
    cache = str(tmp_path / 'knowledge_train.npy')
    TeacherKnowledgeCache.write(cache, desc, ['chair_0001', 'chair_0002'])
    load = TRANSFORMS.build(dict(type='LoadTeacherKnowledge', cache=cache))
    good = load(dict(sample_idx=0, shape_id='chair_0001'))
    np.testing.assert_array_equal(good['teacher_descriptors'], desc[0])
    with pytest.raises(ValueError, match=r'knowledge_train.npy: the teacher '
                       r"descriptors of sample 1 \(chair_0002.*NaN or inf "
                       r'\(view 2, 1 of 3 views\)'):
        load(dict(sample_idx=1, shape_id='chair_0002'))


def test_non_finite_visibility_rows_are_refused_naming_file_and_row(
        tmp_path):
    path = tmp_path / 'chair_0001_mvv.xyz'
    path.write_text('1 0 1\n0 nan 1\n1 1 1\n')
    load = TRANSFORMS.build(dict(type='LoadViewVisibility'))
    with pytest.raises(ValueError, match=r'chair_0001_mvv.xyz: row 2 of the '
                       r'visibility of .* is \(0, nan, 1\)'):
        load(dict(vis_path=str(path), num_views=3, sample_idx=0,
                  shape_id='chair_0001'))
