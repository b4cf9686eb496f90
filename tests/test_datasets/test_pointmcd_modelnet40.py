import os
import os.path as osp

import mmcv
import numpy as np
import pytest
from mmdet3d.registry import TRANSFORMS

from pointmcd_plugin.datasets import (MODELNET40_CLASSES,
                                      PointMCDModelNet40Dataset)


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
                                   load_visibility=True, descriptor_root=expt)
    assert len(ds) == 2
    info = ds.get_data_info(1)
    pts, vis, desc = data['night_stand_0042']
    assert info['gt_label'] == MODELNET40_CLASSES.index('night_stand')
    np.testing.assert_allclose(info['points'], pts, atol=1e-6)
    np.testing.assert_array_equal(info['visibility'], vis)
    np.testing.assert_allclose(info['teacher_descriptors'], desc, atol=1e-6)
    assert info['images'].shape == (12, 16, 16, 3)
    # View k is red 10 * k, blue 255 (JPEG is lossy: a few levels).
    np.testing.assert_allclose(info['images'][4, 8, 8] * 255, [50, 0, 255],
                               atol=6)
    packed = TRANSFORMS.build(dict(type='PackPointInputs'))(info)
    assert packed['inputs']['images'].shape == (12, 3, 16, 16)
    assert packed['data_samples'].teacher_descriptors.shape == (12, 8)
    assert packed['data_samples'].visibility.shape == (1024, 12)


def test_missing_files_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='class_list.txt is missing'):
        PointMCDModelNet40Dataset(str(tmp_path))
    root, expt = str(tmp_path / 'data'), str(tmp_path / 'expt')
    os.makedirs(root)
    write_authors_layout(root, expt)
    ds = PointMCDModelNet40Dataset(root, descriptor_root=str(tmp_path / 'x'))
    with pytest.raises(FileNotFoundError, match='export the teacher'):
        ds.get_data_info(0)
