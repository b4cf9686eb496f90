"""The multi-view tools run end to end (slow: run with --runslow)."""
import sys

import matplotlib.image as mpimg
import pytest

from .test_train_e2e import run


@pytest.mark.slow
def test_visualize_views_writes_one_grid_per_sample(tmp_path):
    out = run([sys.executable, 'tools/visualize_views.py', '--synthetic',
               'table', 'mug', '--num-points', '512', '--out-dir',
               str(tmp_path)])
    for name in ('table', 'mug'):
        png = tmp_path / f'{name}.png'
        assert str(png) in out and png.is_file()
        img = mpimg.imread(str(png))
        assert img.shape[0] > 400 and img.shape[1] > 400
        assert img[..., :3].std() > 0.05  # not a blank page


@pytest.mark.slow
def test_benchmark_prints_a_table(tmp_path):
    out = run([sys.executable, 'tools/benchmark_pipeline.py', '--samples',
               '2', '--repeats', '1', '--data-root', str(tmp_path)])
    rows = [line.split() for line in out.splitlines()
            if line.strip().startswith(('1024', '2048'))]
    assert len(rows) == 6
    assert all(float(r[6]) > 0 for r in rows)  # samples/s
    for r in rows:
        nbytes, views, as_float = (int(x.replace(',', '')) for x in r[9:12])
        if r[4] == 'True':  # uint8 views: a quarter of float32 ones
            assert 4 * views == as_float and views < nbytes
        else:
            assert views == as_float == 0


@pytest.mark.slow
def test_view_holes_benchmark_prints_a_table():
    out = run([sys.executable, 'tools/benchmark_view_holes.py',
               '--shapes-per-class', '1', '--points', '512'])
    rows = {line[:36].strip(): [float(x) for x in line[36:].split()]
            for line in out.splitlines() if 'splats' in line}
    assert len(rows) == 5
    # Closing fills most of what median splats leave open.
    assert rows['median splats + closing (default)'][0] < \
        0.5 * rows['median splats, no closing'][0]


def write_rendered_authors_layout(root):
    """One mug in the authors' ModelNet40 layout, its views and visibility
    produced by RenderPointViews (so the drawn overlay must fit)."""
    import os
    import os.path as osp

    import mmcv
    import numpy as np

    from pointmcd_plugin.datasets import MODELNET40_CLASSES
    from pointmcd_plugin.datasets.synthetic import make_shape
    from pointmcd_plugin.datasets.transforms import (ComputeViewVisibility,
                                                     RenderPointViews)
    shape = make_shape('mug', np.random.default_rng(0), 1024)
    points = np.concatenate([shape['points'], shape['normals']], 1)
    out = ComputeViewVisibility()(
        RenderPointViews(image_size=96)(dict(points=points)))
    name = 'cup_0001'
    for sub in ('point_cloud_1024', 'mv_image_12', 'mv_visibility_1024x12'):
        os.makedirs(osp.join(root, sub, 'cup'))
    np.savetxt(osp.join(root, 'point_cloud_1024', 'cup', name + '.xyz'),
               shape['points'], fmt='%.6f')
    np.savetxt(osp.join(root, 'mv_visibility_1024x12', 'cup',
                        name + '_mvv.xyz'), out['visibility'], fmt='%d')
    for k, img in enumerate(out['img'], 1):
        mmcv.imwrite(np.repeat(img, 3, -1),
                     osp.join(root, 'mv_image_12', 'cup', f'{name}_{k:02d}.jpg'))
    with open(osp.join(root, 'class_list.txt'), 'w') as f:
        f.write('\n'.join(MODELNET40_CLASSES) + '\n')
    for split in ('train', 'test'):
        with open(osp.join(root, f'{split}_list.txt'), 'w') as f:
            f.write(name + '\n')


@pytest.mark.slow
def test_visualize_draws_a_datasets_own_views(tmp_path):
    root = tmp_path / 'data'
    root.mkdir()
    write_rendered_authors_layout(str(root))
    cfg = tmp_path / 'authors_cfg.py'
    cfg.write_text(
        "custom_imports = dict(imports=['pointmcd_plugin'], "
        'allow_failed_imports=False)\n'
        "default_scope = 'mmdet3d'\n"
        "test_dataloader = dict(dataset=dict(type='PointMCDModelNet40Dataset',"
        f" data_root={str(root)!r}, split='test', load_images=True, "
        "load_visibility=True, pipeline=[dict(type='LoadShapePoints'), "
        "dict(type='LoadMultiViewImages'), dict(type='LoadViewVisibility'), "
        "dict(type='PackPointInputs')]))\n")
    out = run([sys.executable, 'tools/visualize_views.py', '--config',
               str(cfg), '--dataset-views', '--out-dir', str(tmp_path)])
    png = tmp_path / 'authors_cfg_0.png'
    assert str(png) in out and png.is_file()
    assert mpimg.imread(str(png))[..., :3].std() > 0.05


@pytest.mark.slow
def test_visibility_benchmark_prints_a_table():
    out = run([sys.executable, 'tools/benchmark_visibility.py',
               '--shapes-per-class', '1', '--points', '512'])
    rows = {line[:26].strip(): [float(x) for x in line[26:].split()]
            for line in out.splitlines()
            if line.startswith(('zbuffer', 'hpr'))}
    assert len(rows) == 6
    # Culling with true normals removes the thin-plate underside leak.
    assert rows['zbuffer +cull'][2] < 0.05 < rows['zbuffer (default)'][2]
