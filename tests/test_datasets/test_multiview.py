import math

import numpy as np
import pytest
from mmdet3d.registry import TRANSFORMS

import pointmcd_plugin  # noqa: F401
from pointmcd_plugin.geometry import MultiViewCameras, hpr_visibility, zbuffer


def fibonacci_sphere(n):
    i = np.arange(n) + 0.5
    phi = np.arccos(1 - 2 * i / n)
    theta = math.pi * (1 + 5**0.5) * i
    return np.stack([np.cos(theta) * np.sin(phi), np.cos(phi),
                     np.sin(theta) * np.sin(phi)], -1)


def run(type, points, **cfg):
    t = TRANSFORMS.build(dict(type=type, **cfg))
    return t, t(dict(points=np.asarray(points, dtype=np.float32)))


def visible(points, **cfg):
    """ComputeViewVisibility on ``points``: (transform, results)."""
    return run('ComputeViewVisibility', points, **cfg)


def render(points, **cfg):
    """RenderPointViews on ``points``: (transform, results)."""
    return run('RenderPointViews', points, **cfg)


def views_of(results):
    """(K, H, W) uint8 of the rendered ``img`` list."""
    return np.stack(results['img'])[..., 0]


def test_nearer_point_wins_the_zbuffer_and_hides_the_farther():
    cams = MultiViewCameras(dict(azimuth=[0, 180], elevation=[0, 0]),
                            image_size=64)
    xyz = np.array([[0., 0., -0.5], [0., 0., 0.5]])  # one ray, both views
    uv, depth = cams.project(xyz)
    zbuf, owner = zbuffer(uv, depth, 64, radius=1)
    assert owner[0, 32, 32] == 1 and owner[1, 32, 32] == 0
    assert zbuf[0, 32, 32] == pytest.approx(1.5)
    # The winner's splat covers its 3x3 neighbourhood, nothing beyond.
    assert (owner[0, 31:34, 31:34] == 1).all() and owner[0, 30, 32] == -1
    # Through the transform: a sampled square at z=0.5 hides a point on its
    # axis at z=-0.5 from the camera on +z; the camera on -z sees it.
    g = np.linspace(-0.3, 0.3, 25)
    plate = np.stack(np.meshgrid(g, g), -1).reshape(-1, 2)
    plate = np.concatenate([plate, np.full((len(plate), 1), 0.5)], 1)
    pts = np.concatenate([plate, [[0., 0., -0.5]]])
    two = dict(azimuth=[0, 180], elevation=[0, 0])
    _, out = visible(pts, views=two)
    assert out['visibility'][:-1, 0].all()
    np.testing.assert_array_equal(out['visibility'][-1], [False, True])
    _, out = render(pts, views=two, image_size=64, shading='depth')
    assert len(out['img']) == 2 and out['img'][0].shape == (64, 64, 1)
    assert out['img'][0].dtype == np.uint8
    assert out['img'][0][32, 32, 0] < 255 and out['img'][0][0, 0, 0] == 255


def test_splatting_equals_min_filter_of_point_depths():
    rng = np.random.default_rng(0)
    uv = rng.uniform(0, 32, (2, 40, 2))
    depth = rng.uniform(1, 3, (2, 40))
    zbuf, owner = zbuffer(uv, depth, 32, radius=2)
    px = np.floor(uv).astype(int)
    for k in range(2):
        for y, x in [(0, 0), (5, 7), (16, 16), (31, 30)]:
            near = (np.abs(px[k, :, 0] - x) <= 2) & \
                (np.abs(px[k, :, 1] - y) <= 2)
            if near.any():
                best = np.where(near)[0][depth[k, near].argmin()]
                assert owner[k, y, x] == best
                assert zbuf[k, y, x] == pytest.approx(depth[k, best])
            else:
                assert owner[k, y, x] == -1 and np.isinf(zbuf[k, y, x])


@pytest.mark.parametrize('method', ['zbuffer', 'hpr'])
def test_dense_sphere_sees_exactly_the_points_facing_each_camera(method):
    xyz = fibonacci_sphere(3000)
    t, out = visible(xyz, distance=3.0, method=method)
    vis = out['visibility']
    # A sphere point faces camera e iff (e - p) . p > 0, i.e. p . e > 1.
    facing = xyz @ t.cameras.centres.T
    assert vis[facing > 1.5].mean() > 0.98
    assert vis[facing < 0.9].mean() < 0.01
    # Seen from distance d a sphere shows a (1 - 1/d) / 2 fraction of its
    # surface ("about half" only for far cameras); points seen at grazing
    # angles (0.9 < p . e < 1.5) may go either way.
    cap = (1 - 1 / 3) / 2
    assert (facing > 1).mean(0) == pytest.approx(cap, abs=0.01)
    per_view = vis.mean(0)
    assert (per_view >= (facing > 1.5).mean(0) - 0.01).all()
    assert (per_view <= (facing > 0.9).mean(0) + 0.01).all()


def test_every_point_of_a_convex_shape_is_seen_by_some_view():
    # Cameras at +30 and -30 deg (shapenet_16) see all around an ellipsoid.
    xyz = fibonacci_sphere(2000) * [1.0, 0.6, 0.8]
    _, out = visible(xyz, views='shapenet_16')
    assert out['visibility'].any(axis=1).all()


def test_visibility_is_computed_on_the_augmented_points_and_follows_them():
    xyz = fibonacci_sphere(2000).astype(np.float32)
    steps = [TRANSFORMS.build(c) for c in (
        dict(type='RandomScaleShiftPoints', scale_range=(0.6, 0.7),
             shift_range=0.2),
        dict(type='ComputeViewVisibility'),
        dict(type='ShufflePoints'))]
    results = dict(points=xyz, pts_part_label=np.arange(2000))
    for t in steps:
        results = t(results)
    # The mask equals the one computed afresh on the final points...
    again = steps[1](dict(points=results['points']))['visibility']
    np.testing.assert_array_equal(again, results['visibility'])
    # ...and differs from the mask of the un-augmented sphere.
    before = steps[1](dict(points=xyz))['visibility']
    assert (before[results['pts_part_label']] != results['visibility']).any()


def test_cameras_frame_the_augmented_points():
    # Scaled up and shifted out of the unit sphere, a shape is framed like
    # the original (same centroid-relative geometry, so same masks and
    # images); rendered where it is, it leaves the field of view.
    xyz = (fibonacci_sphere(1500) * [0.9, 0.5, 0.4]).astype(np.float32)
    moved = xyz * 1.8 + np.float32([0.3, -0.2, 0.1])
    _, ref = visible(xyz)
    _, framed = visible(moved)
    np.testing.assert_array_equal(framed['visibility'], ref['visibility'])
    # Equal up to float rounding of the moved copy (one grey level).
    diff = views_of(render(moved, shading='depth')[1]).astype(int) - \
        views_of(render(xyz, shading='depth')[1])
    assert np.abs(diff).max() <= 1
    t, raw = visible(moved, normalize=False)
    uv, _ = t.cameras.project(moved.astype(np.float64))
    outside = ((uv < 0) | (uv >= 224)).any(-1).T  # (N, K)
    assert outside.any()
    assert not raw['visibility'][outside].any()


def test_normalize_points_into_the_unit_sphere():
    pts = np.random.default_rng(0).normal(3.0, 2.0, (500, 6)).astype(
        np.float32)
    out = TRANSFORMS.build(dict(type='NormalizePoints'))(dict(
        points=pts.copy()))
    xyz = out['points'][:, :3]
    np.testing.assert_allclose(xyz.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(xyz, axis=1).max(), 1,
                               rtol=1e-5)
    np.testing.assert_array_equal(out['points'][:, 3:], pts[:, 3:])
    np.testing.assert_allclose(
        (pts[:, :3] - out['norm_centre']) * out['norm_scale'], xyz,
        atol=1e-5)


@pytest.mark.parametrize('method', ['zbuffer', 'hpr'])
def test_rotating_the_shape_by_one_azimuth_step_shifts_the_views(method):
    # Turning the shape +30 deg about the up axis (RandomRotatePoints) shows
    # each camera of modelnet40_12 what its predecessor saw: the cameras'
    # azimuth and the rotation agree on the direction.
    rng = np.random.default_rng(0)
    xyz = (fibonacci_sphere(1500) * [0.9, 0.5, 0.4] +
           rng.normal(0, 0.01, (1500, 3))).astype(np.float32)
    rotate = TRANSFORMS.build(dict(type='RandomRotatePoints',
                                   rot_range=(np.pi / 6, np.pi / 6)))
    turned = rotate(dict(points=xyz.copy()))['points']
    _, before = visible(xyz, method=method)
    _, after = visible(turned, method=method)
    shifted = np.roll(before['visibility'], 1, axis=1)
    assert (after['visibility'] != shifted).mean() < 0.005
    # Neither unchanged nor shifted the other way.
    assert (after['visibility'] != before['visibility']).mean() > 0.05
    assert (after['visibility'] != np.roll(before['visibility'], -1,
                                           axis=1)).mean() > 0.1


def test_hpr_hides_a_point_behind_a_sphere():
    eyes = np.array([[0., 0., 3.]])
    xyz = np.concatenate([fibonacci_sphere(500) * 0.5, [[0., 0., -0.9]]])
    assert not hpr_visibility(xyz, eyes)[-1, 0]


def test_normal_shading_needs_normals():
    with pytest.raises(ValueError, match='needs normals'):
        render(fibonacci_sphere(50), shading='normal')


def test_backface_culling_hides_the_underside_of_a_thin_plate():
    from pointmcd_plugin.datasets.synthetic import make_shape
    table = make_shape('table', np.random.default_rng([0, 0, 9, 0]), 1024)
    points = np.concatenate([table['points'], table['normals']], 1)
    top = table['part_labels'] == 0
    upper = top & (table['normals'][:, 1] > 0.9)
    under = top & (table['normals'][:, 1] < -0.9)
    _, plain = visible(points)
    _, culled = visible(points, cull_backfaces=True)
    # All cameras are 30 deg above: the top face is seen, its underside not.
    assert culled['visibility'][upper].mean() > 0.95
    assert culled['visibility'][under].mean() == 0
    assert plain['visibility'][under].mean() > 0  # the thin-plate leak


def test_inconsistent_normals_are_detected_before_culling(monkeypatch):
    """Real releases orient normals inconsistently; culling by them then
    hides about half of the visible surface."""
    from pointmcd_plugin.datasets.synthetic import CLASSES, make_shape
    from pointmcd_plugin.datasets.transforms import multiview
    from pointmcd_plugin.geometry import (nearest_neighbours,
                                          normal_flip_fraction)
    rng = np.random.default_rng(0)
    # Consistent outward normals: every embedded class stays well below
    # the threshold; randomly flipped ones (unoriented estimates) near 0.5.
    # (The thin sheets of tables and shelves give up to a third of opposed
    # nearest-neighbour normals even when consistent: not counted.)
    for c, name in enumerate(CLASSES):
        shape = make_shape(name, np.random.default_rng([0, c, 0, 1]), 1024)
        p, n = shape['points'], shape['normals']
        _, nn = nearest_neighbours(p)
        flips = np.where(rng.random(len(p)) < 0.5, -1.0, 1.0)[:, None]
        assert normal_flip_fraction(p, n, nn) < 0.12, name
        assert normal_flip_fraction(p, n * flips, nn) > 0.2, name
    sphere = fibonacci_sphere(1024)
    flips = np.where(rng.random(1024) < 0.5, -1.0, 1.0)[:, None]
    _, nn = nearest_neighbours(sphere)
    assert normal_flip_fraction(sphere, sphere, nn) == 0.0
    assert 0.4 < normal_flip_fraction(sphere, sphere * flips, nn) < 0.6

    good = np.concatenate([sphere, sphere], 1)
    bad = np.concatenate([sphere, sphere * flips], 1)
    _, plain = visible(bad)
    warnings = []
    monkeypatch.setattr(multiview, 'print_log',
                        lambda msg, **kw: warnings.append(msg))
    t, forced = visible(bad, cull_backfaces=True)
    assert len(warnings) == 1 and 'inconsistently oriented' in warnings[0]
    t(dict(points=bad.astype(np.float32)))
    assert len(warnings) == 1  # once per transform
    # Forced culling hides about half of what is visible ...
    assert forced['visibility'].sum() < 0.6 * plain['visibility'].sum()
    # ... 'auto' leaves such a sample unculled and culls consistent ones.
    _, auto_bad = visible(bad, cull_backfaces='auto')
    np.testing.assert_array_equal(auto_bad['visibility'], plain['visibility'])
    _, auto_good = visible(good, cull_backfaces='auto')
    _, culled_good = visible(good, cull_backfaces=True)
    np.testing.assert_array_equal(auto_good['visibility'],
                                  culled_good['visibility'])
    assert len(warnings) == 1
    with pytest.raises(ValueError, match="True, False or 'auto'"):
        visible(good, cull_backfaces='yes')


def test_visibility_and_views_share_one_projection(monkeypatch):
    from pointmcd_plugin.geometry import cameras
    calls = []
    project = cameras.MultiViewCameras.project
    monkeypatch.setattr(cameras.MultiViewCameras, 'project',
                        lambda self, xyz: calls.append(1) or project(self, xyz))
    xyz = fibonacci_sphere(800).astype(np.float32)
    steps = [TRANSFORMS.build(dict(type='ComputeViewVisibility')),
             TRANSFORMS.build(dict(type='RenderPointViews', image_size=96,
                                   shading='depth'))]
    results = dict(points=xyz)
    for t in steps:
        results = t(results)
    assert len(calls) == 1  # one projection for the 64 and 96 px buffers
    # Each alone gives the same result.
    np.testing.assert_array_equal(
        results['visibility'], steps[0](dict(points=xyz))['visibility'])
    np.testing.assert_array_equal(views_of(results),
                                  views_of(steps[1](dict(points=xyz))))
    # Points changed in between (even in place) are projected afresh.
    results['points'] *= 0.5
    results['points'][:, 0] += 0.3
    steps[1](results)
    assert len(calls) == 4


def test_filling_closes_holes_between_splats_not_the_outline():
    from scipy.ndimage import binary_dilation

    from pointmcd_plugin.datasets.synthetic import CLASSES, make_shape
    holes, spill = {}, {}
    for c, name in enumerate(CLASSES[:6]):
        # 1024 of 16384 points sampled on one surface; the dense cloud's
        # own rendering is the true silhouette.
        dense = make_shape(name, np.random.default_rng([1, c, 0, 0]), 16384)
        pts = np.concatenate([dense['points'], dense['normals']], 1)[
            np.random.default_rng(c).choice(16384, 1024, replace=False)]
        truth = views_of(render(dense['points'], shading='depth',
                                fill_radius=0)[1]) < 255
        near = np.stack([binary_dilation(v, iterations=2) for v in truth])
        for name, cfg in (('median', dict(fill_radius=0)),
                          ('filled', dict()),
                          ('r3', dict(splat_radius=3, fill_radius=0)),
                          ('r4', dict(splat_radius=4, fill_radius=0))):
            shown = views_of(render(pts, **cfg)[1]) < 255
            holes.setdefault(name, []).append(
                (truth & ~shown).sum() / truth.sum())
            spill.setdefault(name, []).append(
                (shown & ~near).sum() / truth.sum())
    holes = {k: np.mean(v) for k, v in holes.items()}
    spill = {k: np.mean(v) for k, v in spill.items()}
    # Median-sized splats (radius 2 here) leave background on a large
    # share of the silhouette. Closing fills more of it than splats of
    # radius 3 do, and spills less outside than splats of radius 4.
    assert holes['median'] > 0.12
    assert holes['filled'] < min(0.5 * holes['median'], holes['r3'])
    assert spill['filled'] < spill['r4']
