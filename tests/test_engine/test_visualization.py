import os
import os.path as osp
from types import SimpleNamespace

import mmcv
import numpy as np
import torch
from mmpretrain.structures import DataSample

import pointmcd_plugin  # noqa: F401
from pointmcd_plugin.engine import PointClsVisualizationHook
from pointmcd_plugin.visualization import PointClsVisualizer

from ..test_datasets.test_multiview import fibonacci_sphere


def sample(gt, pred, idx):
    s = DataSample().set_gt_label(gt).set_pred_label(pred)
    s.set_pred_score(torch.tensor([0.1, 0.2, 0.7]))
    s.set_metainfo(dict(sample_idx=idx))
    return s


def test_visualizer_draws_the_shape_with_its_labels(tmp_path):
    vis = PointClsVisualizer.get_instance('test_pointcls_vis_draw',
                                          image_size=96)
    vis.dataset_meta = dict(classes=('mug', 'vase', 'bottle'))
    points = torch.from_numpy(np.concatenate(
        [fibonacci_sphere(500), fibonacci_sphere(500)], 1)).float()
    out = str(tmp_path / 'shape.png')
    drawn = vis.add_datasample('s', points, sample(0, 2, 7), out_file=out)
    assert drawn.shape == (96, 3 * 96, 3)
    on_disk = mmcv.imread(out, channel_order='rgb')
    np.testing.assert_array_equal(on_disk, drawn)
    plain = vis.draw_shape(points.numpy())
    # The shape is drawn (not all background) and the caption changed it.
    assert (plain < 250).mean() > 0.1
    assert (drawn != plain).any()
    # Depth shading without normals.
    assert vis.draw_shape(points[:, :3].numpy()).shape == drawn.shape


def test_hook_writes_the_misclassified_shapes(tmp_path):
    PointClsVisualizer.get_instance('test_pointcls_vis_hook', image_size=64)
    hook = PointClsVisualizationHook(draw=True, test_out_dir='show')
    runner = SimpleNamespace(
        work_dir=str(tmp_path), timestamp='20261125_000000', iter=0,
        test_dataloader=SimpleNamespace(dataset=SimpleNamespace(
            metainfo=dict(classes=('mug', 'vase', 'bottle')))))
    hook.before_test(runner)
    points = [torch.from_numpy(fibonacci_sphere(300)).float()] * 3
    outputs = [sample(0, 0, 0), sample(1, 2, 1), sample(2, 2, 2)]
    hook.after_test_iter(runner, 0, dict(inputs=dict(points=points)),
                         outputs)
    out_dir = osp.join(str(tmp_path), '20261125_000000', 'show')
    assert os.listdir(out_dir) == ['1_vase_as_bottle.png']
    # A second test run writes to its own folder, not a nested one.
    runner.timestamp = '20261125_000001'
    hook.before_test(runner)
    hook.after_test_iter(runner, 0, dict(inputs=dict(points=points)),
                         outputs)
    assert os.listdir(osp.join(str(tmp_path), '20261125_000001', 'show')) \
        == ['1_vase_as_bottle.png']
    # Switched off (the default): nothing drawn.
    off = PointClsVisualizationHook(test_out_dir='none')
    off.before_test(runner)
    off.after_test_iter(runner, 0, dict(inputs=dict(points=points)), outputs)
    assert not osp.exists(osp.join(str(tmp_path), '20261125_000000', 'none'))
