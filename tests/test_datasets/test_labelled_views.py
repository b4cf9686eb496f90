"""Labelled views (RenderPointViews(part_labels=True)): each pixel carries
the part of the z-buffer point that owns it, from the same projection as
the grey view, and reads back like the authors' mv_image_labeled_16 PNGs."""
import os.path as osp

import numpy as np
import pytest
from mmdet3d.registry import TRANSFORMS
from PIL import Image

import pointmcd_plugin  # noqa: F401
from pointmcd_plugin.datasets.transforms.multiview import SharedViewGeometry
from pointmcd_plugin.geometry import MultiViewCameras, label_views, zbuffer

TWO = dict(azimuth=[0, 180], elevation=[0, 0])
SIZE = 32
BG = 50


def render(points, labels, **cfg):
    t = TRANSFORMS.build(dict(type='RenderPointViews', part_labels=True,
                              **cfg))
    return t, t(dict(points=np.asarray(points, dtype=np.float32),
                     pts_part_label=np.asarray(labels)))


def test_hand_made_scene_labels_the_owner_of_each_pixel():
    # Cameras on +z (view 0) and -z (view 1), one pixel per point, no hole
    # closing, no reframing: the near point on the axis owns the centre
    # pixel of each view, the off-axis point its own pixel in both.
    pts = [[0., 0., 0.5],     # part 3, seen at the centre from +z
           [0., 0., -0.5],    # part 7, seen at the centre from -z
           [0.4, 0.3, 0.]]    # part 1, off the axis, seen by both
    _, out = render(pts, [3, 7, 1], views=TWO, image_size=SIZE,
                    splat_radius=0, fill_radius=0, shading='depth',
                    normalize=False)
    lab = out['view_part_labels']
    assert lab.shape == (2, SIZE, SIZE) and lab.dtype == np.int64
    assert out['view_background'] == BG
    c = SIZE // 2
    assert lab[0, c, c] == 3 and lab[1, c, c] == 7
    uv, _ = MultiViewCameras(TWO, image_size=SIZE).project(
        np.array(pts[2:], dtype=np.float64))
    for k in range(2):
        x, y = np.floor(uv[k, 0]).astype(int)
        assert lab[k, y, x] == 1
    # Every other pixel is background: three labelled pixels per view.
    assert ((lab != BG).sum(axis=(1, 2)) == 2).all()
    # Background exactly where the grey view is empty.
    grey = np.stack(out['img'])[..., 0]
    np.testing.assert_array_equal(lab == BG, grey == 255)


def test_labels_follow_the_zbuffer_owners_with_hole_closing():
    rng = np.random.default_rng(0)
    pts = rng.standard_normal((400, 3))
    pts /= np.linalg.norm(pts, axis=1, keepdims=True)
    labels = np.where(pts[:, 1] > 0, 12, 13) + (pts[:, 0] > 0.5)
    normals = pts.copy()
    t, out = render(np.concatenate([pts, normals], 1), labels,
                    views='shapenet_16', image_size=SIZE)
    # The same z-buffer, from the transform's projection and radii.
    geo = SharedViewGeometry.of(dict(points=pts.astype(np.float32)), True)
    uv, depth = geo.project(t.cameras)
    radius, fill = t.radii(geo)
    assert fill > radius  # holes are closed
    _, owner = zbuffer(uv, depth, SIZE, radius, fill_radius=fill,
                       with_depth=False)
    expected = np.where(owner >= 0, labels[np.maximum(owner, 0)], BG)
    np.testing.assert_array_equal(out['view_part_labels'], expected)
    np.testing.assert_array_equal(label_views(owner, labels, BG), expected)
    grey = np.stack(out['img'])[..., 0]
    np.testing.assert_array_equal(out['view_part_labels'] == BG,
                                  grey == 255)
    assert len(out['img']) == 16
    assert set(np.unique(out['view_part_labels'])) == {12, 13, 14, BG}


def test_labels_travel_with_sampled_and_shuffled_points():
    pts = [[0., 0., 0.5], [0., 0., -0.5], [0.4, 0.3, 0.]]
    pipeline = [TRANSFORMS.build(dict(type='ShufflePoints')),
                TRANSFORMS.build(dict(
                    type='RenderPointViews', views=TWO, image_size=SIZE,
                    splat_radius=0, fill_radius=0, shading='depth',
                    normalize=False, part_labels=True))]
    results = dict(points=np.asarray(pts, dtype=np.float32),
                   pts_part_label=np.array([3, 7, 1]))
    for t in pipeline:
        results = t(results)
    c = SIZE // 2
    assert results['view_part_labels'][0, c, c] == 3
    assert results['view_part_labels'][1, c, c] == 7


def test_label_errors_name_the_field():
    pts = np.zeros((3, 3), dtype=np.float32)
    t = TRANSFORMS.build(dict(type='RenderPointViews', views=TWO,
                              image_size=8, shading='depth',
                              part_labels=True, label_background=5))
    with pytest.raises(KeyError, match='pts_part_label'):
        t(dict(points=pts.copy()))
    with pytest.raises(ValueError, match='part labels of shape'):
        t(dict(points=pts.copy(), pts_part_label=np.array([0, 1])))
    with pytest.raises(ValueError, match='label_background=5'):
        t(dict(points=pts.copy(), pts_part_label=np.array([0, 1, 5])))
    with pytest.raises(ValueError, match='label_background must be'):
        TRANSFORMS.build(dict(type='RenderPointViews', part_labels=True,
                              label_background=-1))


def test_packed_and_read_back_like_the_authors_pngs(tmp_path):
    pts = [[0., 0., 0.5], [0., 0., -0.5], [0.4, 0.3, 0.]]
    _, out = render(pts, [3, 7, 1], views=TWO, image_size=SIZE,
                    shading='depth')
    rendered = out['view_part_labels']
    # Written as the authors' single-channel PNGs, read by
    # LoadViewPartLabels: the same label images.
    paths = []
    for k, lab in enumerate(rendered):
        paths.append(osp.join(tmp_path, f'shape_1_{k + 1}.png'))
        Image.fromarray(lab.astype(np.uint8)).save(paths[-1])
    loaded = TRANSFORMS.build(dict(type='LoadViewPartLabels'))(dict(
        view_label_paths=paths, view_background=BG,
        pts_format=dict(part_ids=(1, 3, 7))))
    np.testing.assert_array_equal(loaded['view_part_labels'], rendered)
    # Packed beside the views for the teacher.
    out.update(category=0, part_ids=(1, 3, 7))
    packed = TRANSFORMS.build(dict(type='PackPartSegInputs'))(out)
    assert packed['inputs']['img'].shape == (2, 1, SIZE, SIZE)
    label = packed['data_samples'].gt_view_part_label
    assert tuple(label.shape) == (2, SIZE, SIZE)
    np.testing.assert_array_equal(label.numpy(), rendered)
