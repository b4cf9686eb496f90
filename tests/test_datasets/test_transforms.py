import numpy as np
import pytest
import torch
from mmdet3d.registry import TRANSFORMS

import pointmcd_plugin  # noqa: F401
from pointmcd_plugin.datasets.transforms import furthest_point_sample


def sample(n=100, c=6):
    pts = np.random.default_rng(0).standard_normal((n, c)).astype(np.float32)
    if c >= 6:
        pts[:, 3:6] /= np.linalg.norm(pts[:, 3:6], axis=1, keepdims=True)
    return dict(points=pts, pts_part_label=np.arange(n), gt_label=3,
                sample_idx=7)


@pytest.mark.parametrize('method', ['first', 'random', 'fps'])
def test_sample_points_keeps_per_point_arrays_aligned(method):
    results = sample()
    ref = results['points'].copy()
    out = TRANSFORMS.build(dict(type='SamplePoints', num_points=40,
                                method=method))(results)
    assert out['points'].shape == (40, 6)
    np.testing.assert_array_equal(out['points'], ref[out['pts_part_label']])
    if method == 'first':
        np.testing.assert_array_equal(out['pts_part_label'], np.arange(40))


def test_sample_points_too_few():
    with pytest.raises(ValueError, match='fewer than num_points'):
        TRANSFORMS.build(dict(type='SamplePoints', num_points=200))(sample())
    out = TRANSFORMS.build(dict(type='SamplePoints', num_points=200,
                                method='random'))(sample())
    assert len(out['points']) == 200


def test_furthest_point_sample_spreads_points():
    # Two tight clusters: FPS must pick from both before repeating one.
    xyz = np.concatenate([np.zeros((50, 3)), np.ones((50, 3))])
    xyz += np.random.default_rng(0).normal(0, 1e-3, xyz.shape)
    idx = furthest_point_sample(xyz, 2)
    assert (idx < 50).sum() == 1 and (idx >= 50).sum() == 1


def test_shuffle_points_permutes_consistently():
    results = sample()
    ref = results['points'].copy()
    out = TRANSFORMS.build(dict(type='ShufflePoints'))(results)
    assert sorted(out['pts_part_label']) == list(range(100))
    np.testing.assert_array_equal(out['points'], ref[out['pts_part_label']])


def test_random_scale_shift_transforms_points_and_normals():
    results = sample()
    ref = results['points'].copy()
    out = TRANSFORMS.build(dict(type='RandomScaleShiftPoints'))(results)
    s, t = out['aug_scale'], out['aug_shift']
    assert ((s >= 2 / 3) & (s <= 3 / 2)).all() and (np.abs(t) <= 0.2).all()
    assert len(set(s.tolist())) == 3  # anisotropic
    np.testing.assert_allclose(out['points'][:, :3], ref[:, :3] * s + t,
                               rtol=1e-5)
    # Normals stay unit length and orthogonal to scaled tangent directions.
    np.testing.assert_allclose(np.linalg.norm(out['points'][:, 3:], axis=1),
                               1, rtol=1e-5)
    tangent = np.cross(ref[:, 3:], [0.3, 0.5, 0.8])
    np.testing.assert_allclose((tangent * s * out['points'][:, 3:]).sum(1), 0,
                               atol=1e-5)


def test_random_rotate_turns_points_and_normals_about_up():
    results = sample()
    ref = results['points'].copy()
    t = TRANSFORMS.build(dict(type='RandomRotatePoints',
                              rot_range=(np.pi / 2, np.pi / 2)))
    out = t(results)
    # A quarter turn about y (counter-clockwise seen from +y): x -> -z.
    np.testing.assert_allclose(out['points'][:, [0, 1, 2]],
                               np.stack([ref[:, 2], ref[:, 1], -ref[:, 0]],
                                        1), atol=1e-6)
    np.testing.assert_allclose(out['points'][:, [3, 4, 5]],
                               np.stack([ref[:, 5], ref[:, 4], -ref[:, 3]],
                                        1), atol=1e-6)
    np.testing.assert_array_equal(out['pts_part_label'], np.arange(100))
    # Random angles: y untouched, distances to the axis kept.
    out = TRANSFORMS.build(dict(type='RandomRotatePoints'))(sample())
    np.testing.assert_allclose(out['points'][:, 1], ref[:, 1])
    np.testing.assert_allclose(np.hypot(out['points'][:, 0],
                                        out['points'][:, 2]),
                               np.hypot(ref[:, 0], ref[:, 2]), rtol=1e-5)


def test_random_rotate_refuses_views_of_the_unrotated_shape():
    results = sample()
    results['teacher_descriptors'] = np.zeros((12, 4), np.float32)
    with pytest.raises(ValueError, match="already carries "
                       r"\['teacher_descriptors'\].*before the multi-view "
                       r'transforms \(ComputeViewVisibility'):
        TRANSFORMS.build(dict(type='RandomRotatePoints'))(results)


def test_jitter_is_clipped():
    results = sample(c=3)
    ref = results['points'].copy()
    out = TRANSFORMS.build(dict(type='JitterPoints', sigma=1.0,
                                clip=0.05))(results)
    diff = np.abs(out['points'] - ref)
    assert diff.max() <= 0.05 + 1e-6 and diff.max() > 0


def test_pack_point_inputs():
    out = TRANSFORMS.build(dict(type='PackPointInputs'))(sample())
    assert isinstance(out['inputs']['points'], torch.Tensor)
    assert out['inputs']['points'].shape == (100, 6)
    assert int(out['data_samples'].gt_label) == 3
    assert out['data_samples'].sample_idx == 7


def test_pack_multiview_sample_and_batch_it():
    from mmdet3d.registry import MODELS
    steps = [TRANSFORMS.build(c) for c in (
        dict(type='ComputeViewVisibility'),
        dict(type='RenderPointViews', image_size=32, shading='normal'),
        dict(type='PackPointInputs'))]
    batch = []
    for _ in range(2):
        results = sample(n=200)
        results['category'] = 1
        for t in steps:
            results = t(results)
        batch.append(results)
    packed = batch[0]
    assert packed['inputs']['img'].shape == (12, 1, 32, 32)
    assert packed['inputs']['img'].dtype == torch.uint8
    ds = packed['data_samples']
    assert ds.visibility.shape == (200, 12) and ds.visibility.dtype == torch.bool
    assert ds.gt_pts_part_label.shape == (200, ) and ds.category == 1
    pre = MODELS.build(dict(type='PointDataPreprocessor'))
    out = pre(dict(inputs={k: [b['inputs'][k] for b in batch]
                           for k in ('points', 'img')},
                   data_samples=[b['data_samples'] for b in batch]))
    assert out['inputs']['points'].shape == (2, 200, 6)
    # Views stay uint8 until the teacher's own preprocessor.
    assert out['inputs']['img'].shape == (2, 12, 1, 32, 32)
    assert out['inputs']['img'].dtype == torch.uint8


def test_pack_rejects_a_stale_visibility_mask():
    results = sample(n=50)
    results['visibility'] = np.ones((60, 12), dtype=bool)
    with pytest.raises(ValueError, match='visibility has 60 rows'):
        TRANSFORMS.build(dict(type='PackPointInputs'))(results)
