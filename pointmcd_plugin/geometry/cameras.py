"""Camera presets and pinhole projection for multi-view PointMCD.

One source of truth for the views the paper uses:

* ``modelnet40_12``: 12 cameras, azimuth ``k * 30`` deg, elevation 30 deg;
* ``shapenet_16``: 16 cameras, azimuth ``k * 45`` deg at elevations +30 and
  -30 deg.

Coordinates are y-up (ShapeNet / ModelNet40 HDF5). Azimuth 0 looks from +z
towards the origin and grows counter-clockwise seen from above; positive
elevation is above the shape. Cameras look at the origin (shapes are
normalised into the unit sphere) from ``distance``.
"""
import math
from typing import Dict, Optional, Sequence, Tuple, Union

import numpy as np

VIEW_PRESETS: Dict[str, Dict[str, Tuple[float, ...]]] = {
    'modelnet40_12': dict(
        azimuth=tuple(30.0 * k for k in range(12)),
        elevation=(30.0, ) * 12),
    'shapenet_16': dict(
        azimuth=tuple(45.0 * k for k in range(8)) * 2,
        elevation=(30.0, ) * 8 + (-30.0, ) * 8),
}


def resolve_views(views: Union[str, Dict[str, Sequence[float]]]
                  ) -> Tuple[np.ndarray, np.ndarray]:
    """Azimuths and elevations (degrees, (K,) each) of a preset or a dict."""
    if isinstance(views, str):
        if views not in VIEW_PRESETS:
            raise KeyError(f'unknown view preset {views!r}; expected one of '
                           f'{sorted(VIEW_PRESETS)} or a dict with azimuth '
                           'and elevation lists')
        views = VIEW_PRESETS[views]
    az = np.asarray(views['azimuth'], dtype=np.float64)
    el = np.asarray(views['elevation'], dtype=np.float64)
    if az.shape != el.shape or az.ndim != 1 or len(az) == 0:
        raise ValueError('views need equally long, non-empty azimuth and '
                         f'elevation lists, got {az.shape} and {el.shape}')
    return az, el


def camera_centres(azimuth: np.ndarray, elevation: np.ndarray,
                   distance: float) -> np.ndarray:
    """(K, 3) camera positions on a sphere of radius ``distance``."""
    az, el = np.radians(azimuth), np.radians(elevation)
    return distance * np.stack([np.cos(el) * np.sin(az), np.sin(el),
                                np.cos(el) * np.cos(az)], axis=-1)


def look_at_rotations(eyes: np.ndarray,
                      up: Sequence[float] = (0., 1., 0.)) -> np.ndarray:
    """(K, 3, 3) world-to-camera rotations of cameras at ``eyes`` looking
    at the origin. Rows: image right (x), image down (y), viewing
    direction (z), so camera-space z is the depth."""
    forward = -eyes / np.linalg.norm(eyes, axis=-1, keepdims=True)
    up = np.broadcast_to(np.asarray(up, dtype=np.float64), forward.shape)
    right = np.cross(forward, up)
    degenerate = np.linalg.norm(right, axis=-1) < 1e-8
    if degenerate.any():  # looking straight up or down: pick another up
        right[degenerate] = np.cross(forward[degenerate], [0., 0., 1.])
    right /= np.linalg.norm(right, axis=-1, keepdims=True)
    down = np.cross(forward, right)
    return np.stack([right, down, forward], axis=1)


class MultiViewCameras:
    """K pinhole cameras looking at the origin, all with one image size.

    Args:
        views (str | dict): A key of :data:`VIEW_PRESETS` or
            ``dict(azimuth=[...], elevation=[...])`` in degrees.
        distance (float): Distance of every camera from the origin.
        image_size (int): Square image side in pixels.
        fov (float, optional): Vertical field of view in degrees. Defaults
            to the angle under which the unit sphere fills the image.
    """

    def __init__(self,
                 views: Union[str, Dict] = 'modelnet40_12',
                 distance: float = 2.0,
                 image_size: int = 224,
                 fov: Optional[float] = None) -> None:
        if distance <= 1.0:
            raise ValueError('distance must exceed 1 (the radius of the '
                             f'normalised shapes), got {distance}')
        self.azimuth, self.elevation = resolve_views(views)
        self.distance = float(distance)
        self.image_size = int(image_size)
        if fov is None:
            fov = 2 * math.degrees(math.asin(1.0 / distance))
        self.fov = float(fov)
        self.focal = 0.5 * image_size / math.tan(math.radians(fov) / 2)
        self.centres = camera_centres(self.azimuth, self.elevation, distance)
        self.rotations = look_at_rotations(self.centres)

    @property
    def num_views(self) -> int:
        return len(self.azimuth)

    def project(self, xyz: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Project points into every view.

        Args:
            xyz (np.ndarray): (N, 3) points.

        Returns:
            tuple: ``uv`` (K, N, 2) continuous pixel coordinates (x right,
            y down, pixel centres at integer + 0.5) and ``depth`` (K, N),
            the distance along each camera's viewing axis.
        """
        cam = (xyz[None, :, :] - self.centres[:, None, :]) @ \
            self.rotations.transpose(0, 2, 1)  # (K, N, 3)
        depth = cam[..., 2]
        safe = np.where(depth > 1e-6, depth, 1e-6)
        uv = self.focal * cam[..., :2] / safe[..., None] + \
            0.5 * self.image_size
        return uv, depth
