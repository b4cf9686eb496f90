"""Distillation inputs ride on whatever data sample the student's packer
makes: mmdet3d's own transforms and ``Pack3DDetInputs``, plus the plugin's
visibility and view transforms, carry visibility and views to an mmdet3d
model's data preprocessor."""
import numpy as np
import pytest
import torch
from mmdet3d.registry import MODELS, TRANSFORMS
from mmdet3d.structures import Det3DDataSample
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import init_default_scope

import pointmcd_plugin  # noqa: F401


def mmdet3d_pipeline(tmp_path, with_views: bool):
    points = np.random.default_rng(0).standard_normal((2048, 3)) * \
        [0.6, 0.3, 0.4]
    path = str(tmp_path / 'shape.bin')
    points.astype(np.float32).tofile(path)
    steps = [
        dict(type='LoadPointsFromFile', coord_type='DEPTH', load_dim=3,
             use_dim=3),
        dict(type='PointSample', num_points=512),
        dict(type='GlobalRotScaleTrans', rot_range=[-0.3, 0.3],
             scale_ratio_range=[0.9, 1.1], translation_std=[0.1, 0.1, 0.1]),
        dict(type='ComputeViewVisibility'),
    ]
    if with_views:
        steps.append(dict(type='RenderPointViews', image_size=32,
                          shading='depth'))
    steps.append(dict(type='PackDistillInputs',
                      packer=dict(type='Pack3DDetInputs', keys=['points'])))
    return Compose(steps), dict(lidar_points=dict(lidar_path=path))


def test_pack3d_det_inputs_alone_refuses_visibility():
    init_default_scope('mmdet3d')
    pack = TRANSFORMS.build(dict(type='Pack3DDetInputs',
                                 keys=['points', 'visibility']))
    with pytest.raises(NotImplementedError):
        pack(dict(points=np.zeros((4, 3), np.float32),
                  visibility=np.zeros((4, 12), bool)))


def test_mmdet3d_pipeline_carries_visibility_and_views_to_the_model(
        tmp_path):
    init_default_scope('mmdet3d')
    pipeline, info = mmdet3d_pipeline(tmp_path, with_views=True)
    batch = pseudo_collate([pipeline(dict(info)) for _ in range(2)])
    sample = batch['data_samples'][0]
    assert isinstance(sample, Det3DDataSample)
    assert sample.visibility.shape == (512, 12)
    assert sample.visibility.dtype == torch.bool
    assert sample.visibility.any(1).float().mean() > 0.5
    # The visibility describes the packed (sampled, rotated) points.
    again = TRANSFORMS.build(dict(type='ComputeViewVisibility'))(
        dict(points=batch['inputs']['points'][0].numpy()))['visibility']
    np.testing.assert_array_equal(again, sample.visibility.numpy())
    # Views in inputs['img'], where mmdet3d puts images, as uint8.
    img = batch['inputs']['img'][0]
    assert img.shape == (12, 1, 32, 32) and img.dtype == torch.uint8
    # mmdet3d's own data preprocessor hands the samples to the model.
    pre = MODELS.build(dict(type='Det3DDataPreprocessor'))
    pipeline, info = mmdet3d_pipeline(tmp_path, with_views=False)
    out = pre(pseudo_collate([pipeline(dict(info)) for _ in range(2)]))
    assert [s.visibility.shape for s in out['data_samples']] == \
        [(512, 12)] * 2
    assert out['inputs']['points'][0].shape == (512, 3)
