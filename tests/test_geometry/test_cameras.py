import math

import numpy as np
import pytest

import pointmcd_plugin  # noqa: F401
from pointmcd_plugin.geometry import VIEW_PRESETS, MultiViewCameras


def test_presets_match_the_paper():
    m = VIEW_PRESETS['modelnet40_12']
    assert m['azimuth'] == tuple(30.0 * k for k in range(12))
    assert set(m['elevation']) == {30.0}
    s = VIEW_PRESETS['shapenet_16']
    assert len(s['azimuth']) == 16 and sorted(set(s['elevation'])) == [-30, 30]
    with pytest.raises(KeyError, match='unknown view preset'):
        MultiViewCameras('nope')


def test_known_points_project_to_expected_pixels():
    cams = MultiViewCameras(dict(azimuth=[0, 90], elevation=[0, 0]),
                            distance=2.0, image_size=224)
    assert cams.fov == pytest.approx(60.0)
    f = 112 / math.tan(math.radians(30))
    uv, depth = cams.project(np.array([[0., 0., 0.], [0., 0.5, 0.],
                                       [0.5, 0., 0.]]))
    np.testing.assert_allclose(uv[:, 0], [[112, 112]] * 2)  # origin: centre
    np.testing.assert_allclose(depth[:, 0], [2, 2])
    # Camera 0 sits on +z looking at -z: +y is up (smaller row), +x right.
    np.testing.assert_allclose(uv[0, 1], [112, 112 - 0.25 * f])
    np.testing.assert_allclose(uv[0, 2], [112 + 0.25 * f, 112])
    # Camera 1 sits on +x: the +x point is nearer, straight ahead.
    np.testing.assert_allclose(uv[1, 2], [112, 112])
    assert depth[1, 2] == pytest.approx(1.5)


def test_cameras_look_at_the_origin_from_the_preset_angles():
    cams = MultiViewCameras('shapenet_16', distance=2.5)
    np.testing.assert_allclose(np.linalg.norm(cams.centres, axis=1), 2.5)
    elevations = np.degrees(np.arcsin(cams.centres[:, 1] / 2.5))
    np.testing.assert_allclose(elevations, [30] * 8 + [-30] * 8)
    # Orthonormal rotations whose viewing axis points at the origin.
    for rot, eye in zip(cams.rotations, cams.centres):
        np.testing.assert_allclose(rot @ rot.T, np.eye(3), atol=1e-12)
        np.testing.assert_allclose(rot[2], -eye / 2.5)
    with pytest.raises(ValueError, match='distance must exceed 1'):
        MultiViewCameras(distance=1.0)
