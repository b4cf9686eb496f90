import os
import os.path as osp

import mmcv
import numpy as np
import pytest
from mmdet3d.registry import TRANSFORMS

from pointmcd_plugin.datasets import (MODELNET40_CLASSES,
                                      PointMCDModelNet40Dataset,
                                      PointMCDShapeNetPartDataset)
from pointmcd_plugin.datasets.pointmcd_preprocessed import \
    POINTMCD_SHAPENETPART_PART_IDS

# What the authors' files hold, read by the plugin's Load* transforms.
LOAD_ALL = [dict(type='LoadShapePoints'), dict(type='LoadMultiViewImages'),
            dict(type='LoadViewVisibility'),
            dict(type='LoadTeacherKnowledge')]


def write_authors_layout(root, expt):
    """The structure the PointMCD authors' loaders read."""
    rng = np.random.default_rng(0)
    with open(osp.join(root, 'class_list.txt'), 'w') as f:
        f.write('\n'.join(MODELNET40_CLASSES) + '\n')
    names = ['airplane_0001', 'night_stand_0042']
    for split in ('train', 'test'):
        with open(osp.join(root, f'{split}_list.txt'), 'w') as f:
            f.write('\n'.join(names) + '\n')
    data = {}
    for name in names:
        cls_name = name[:-5]
        for sub in ('point_cloud_1024', 'mv_image_12',
                    'mv_visibility_1024x12'):
            os.makedirs(osp.join(root, sub, cls_name), exist_ok=True)
        os.makedirs(osp.join(expt, 'mv_cdw', cls_name), exist_ok=True)
        pts = rng.standard_normal((1024, 3)).astype(np.float32)
        vis = rng.random((1024, 12)) > 0.5
        desc = rng.standard_normal((12, 8)).astype(np.float32)
        np.savetxt(osp.join(root, 'point_cloud_1024', cls_name,
                            name + '.xyz'), pts, fmt='%.6f')
        np.savetxt(osp.join(root, 'mv_visibility_1024x12', cls_name,
                            name + '_mvv.xyz'), vis.astype(int), fmt='%d')
        np.savetxt(osp.join(expt, 'mv_cdw', cls_name, name + '_mv_cdw.xyz'),
                   desc, fmt='%.6f')
        for k in range(1, 13):
            img = np.full((16, 16, 3), (10 * k, 0, 255), dtype=np.uint8)
            mmcv.imwrite(img[..., ::-1],  # BGR on disk, RGB when read
                         osp.join(root, 'mv_image_12', cls_name,
                                  f'{name}_{k:02d}.jpg'))
        data[name] = (pts, vis, desc)
    return data


def test_reads_points_views_visibility_and_descriptors(tmp_path):
    root, expt = str(tmp_path / 'data'), str(tmp_path / 'expt')
    os.makedirs(root)
    data = write_authors_layout(root, expt)
    ds = PointMCDModelNet40Dataset(root, split='train', load_images=True,
                                   load_visibility=True, descriptor_root=expt,
                                   pipeline=LOAD_ALL)
    assert len(ds) == 2
    info = ds[1]
    pts, vis, desc = data['night_stand_0042']
    assert info['gt_label'] == MODELNET40_CLASSES.index('night_stand')
    np.testing.assert_allclose(info['points'], pts, atol=1e-6)
    np.testing.assert_array_equal(info['visibility'], vis)
    np.testing.assert_allclose(info['teacher_descriptors'], desc, atol=1e-6)
    assert len(info['img']) == 12 and info['img'][0].shape == (16, 16, 3)
    assert info['img'][0].dtype == np.uint8
    # View k is red 10 * k, blue 255 (JPEG is lossy: a few levels).
    np.testing.assert_allclose(info['img'][4][8, 8], [50, 0, 255], atol=6)
    packed = TRANSFORMS.build(dict(type='PackPointInputs'))(info)
    assert packed['inputs']['img'].shape == (12, 3, 16, 16)
    assert packed['data_samples'].teacher_descriptors.shape == (12, 8)
    assert packed['data_samples'].visibility.shape == (1024, 12)


def test_missing_files_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='class_list.txt is missing'):
        PointMCDModelNet40Dataset(str(tmp_path))
    root, expt = str(tmp_path / 'data'), str(tmp_path / 'expt')
    os.makedirs(root)
    write_authors_layout(root, expt)
    # Descriptors not exported: caught when the dataset is built, naming
    # every file it lacks.
    with pytest.raises(FileNotFoundError,
                       match=r'(?s)2 of 2 samples .*train_list.txt.*'
                       r'airplane_0001: .*x/mv_cdw/airplane/'
                       r'airplane_0001_mv_cdw.xyz.*export those of every'):
        PointMCDModelNet40Dataset(root, descriptor_root=str(tmp_path / 'x'))


def write_authors_shapenetpart(root, expt):
    """The structure of the authors' ShapeNetPart loaders: ';'-separated
    labelled points, 16 views <name>_<e>_<a>.jpg, labelled views .png,
    (2048, 16) visibility, exported descriptors."""
    from PIL import Image
    rng = np.random.default_rng(1)
    with open(osp.join(root, 'class_list.txt'), 'w') as f:
        f.write('\n'.join(POINTMCD_SHAPENETPART_PART_IDS) + '\n')
    names = {'train': ['motorbike_0003', 'mug_0101'], 'test': ['mug_0147']}
    data = {}
    for split, split_names in names.items():
        with open(osp.join(root, f'{split}_list.txt'), 'w') as f:
            f.write('\n'.join(split_names) + '\n')
        for name in split_names:
            cls_name = name[:-5]
            parts = POINTMCD_SHAPENETPART_PART_IDS[cls_name]
            for sub in ('point_cloud_labeled_2048', 'mv_image_16',
                        'mv_image_labeled_16', 'mv_visibility_2048x16'):
                os.makedirs(osp.join(root, sub, cls_name), exist_ok=True)
            os.makedirs(osp.join(expt, 'mv_cdw', cls_name), exist_ok=True)
            pts = rng.standard_normal((2048, 3)).astype(np.float32)
            part = rng.choice(parts, 2048)
            rows = np.concatenate([pts, part[:, None]], 1)
            np.savetxt(osp.join(root, 'point_cloud_labeled_2048', cls_name,
                                name + '.txt'), rows, fmt='%.6f',
                       delimiter=';')
            vis = rng.random((2048, 16)) > 0.5
            np.savetxt(osp.join(root, 'mv_visibility_2048x16', cls_name,
                                name + '_mvv.xyz'), vis.astype(int), fmt='%d')
            desc = rng.standard_normal((16, 8)).astype(np.float32)
            np.savetxt(osp.join(expt, 'mv_cdw', cls_name,
                                name + '_mv_cdw.xyz'), desc, fmt='%.6f')
            labels = []
            for e in (1, 2):
                for a in range(1, 9):
                    k = 8 * (e - 1) + (a - 1)
                    img = np.full((12, 12, 3), (8 * k, 100, 0), np.uint8)
                    mmcv.imwrite(img[..., ::-1], osp.join(
                        root, 'mv_image_16', cls_name, f'{name}_{e}_{a}.jpg'))
                    lbl = np.full((12, 12), 50, np.uint8)
                    lbl[:6] = parts[k % len(parts)]
                    Image.fromarray(lbl).save(osp.join(
                        root, 'mv_image_labeled_16', cls_name,
                        f'{name}_{e}_{a}.png'))
                    labels.append(lbl)
            data[name] = (pts, part, vis, desc, np.stack(labels))
    return data


def test_reads_the_authors_shapenetpart_layout(tmp_path):
    root, expt = str(tmp_path / 'data'), str(tmp_path / 'expt')
    os.makedirs(root)
    data = write_authors_shapenetpart(root, expt)
    ds = PointMCDShapeNetPartDataset(
        root, split='train', load_images=True, load_visibility=True,
        load_view_labels=True, descriptor_root=expt,
        pipeline=LOAD_ALL + [dict(type='LoadViewPartLabels')])
    assert len(ds) == 2 and len(ds.metainfo['classes']) == 16
    info = ds[0]
    pts, part, vis, desc, view_labels = data['motorbike_0003']
    assert info['category'] == list(POINTMCD_SHAPENETPART_PART_IDS).index(
        'motorbike')
    np.testing.assert_allclose(info['points'], pts, atol=1e-6)
    np.testing.assert_array_equal(info['pts_part_label'], part)
    np.testing.assert_array_equal(info['visibility'], vis)
    np.testing.assert_allclose(info['teacher_descriptors'], desc, atol=1e-6)
    np.testing.assert_array_equal(info['view_part_labels'], view_labels)
    # Views in the order 1_1..1_8, 2_1..2_8: view k has red 8 * k.
    assert len(info['img']) == 16 and info['img'][0].shape == (12, 12, 3)
    np.testing.assert_allclose([v[6, 6, 0] for v in info['img']],
                               8 * np.arange(16), atol=6)
    packed = TRANSFORMS.build(dict(type='PackPointInputs'))(info)
    sample = packed['data_samples']
    assert sample.gt_view_part_label.shape == (16, 12, 12)
    assert sample.gt_pts_part_label.shape == (2048, )
    assert sample.category == info['category']
    assert len(PointMCDShapeNetPartDataset(root, split='test')) == 1


def test_authors_shapenetpart_checks_part_ids(tmp_path):
    root, expt = str(tmp_path / 'data'), str(tmp_path / 'expt')
    os.makedirs(root)
    write_authors_shapenetpart(root, expt)
    path = osp.join(root, 'point_cloud_labeled_2048', 'mug', 'mug_0147.txt')
    np.savetxt(path, np.array([[0, 0, 0, 3.0]]), fmt='%.1f', delimiter=';')
    ds = PointMCDShapeNetPartDataset(
        root, split='test', pipeline=[dict(type='LoadShapePoints')])
    with pytest.raises(ValueError, match=r'mug_0147.txt: part labels \[3\] '
                       r'are not all part ids \(36, 37\) of mug'):
        ds[0]
    np.savetxt(path, np.array([[0, 0, 0]]), fmt='%.1f', delimiter=';')
    with pytest.raises(ValueError,
                       match=r'expected rows "x;y;z;part" \(4 columns\), '
                       'got 3'):
        ds[0]
    with pytest.raises(FileNotFoundError,
                       match="does not exist.*class_list.txt.*"
                       "keeganhk/PointMCD"):
        PointMCDShapeNetPartDataset(str(tmp_path / 'nowhere'))
    os.makedirs(tmp_path / 'empty')
    with pytest.raises(FileNotFoundError,
                       match="class_list.txt is missing.*keeganhk/PointMCD"):
        PointMCDShapeNetPartDataset(str(tmp_path / 'empty'))
