"""Transforms of fixed-size object point clouds held as numpy arrays.

mmdet3d's point transforms (``PointSample``, ``GlobalRotScaleTrans``,
``RandomJitterPoints``, ``PointShuffle``) operate on scene-level
``BasePoints`` structures: they do not transform normals, only carry
mmdet3d's own per-point masks, and scale isotropically. Object-level
PointMCD pipelines need normals kept consistent, per-axis scaling (the
DGCNN/PointMCD augmentation) and every per-point array (part labels,
visibility) following the points, hence these small numpy transforms.
"""
from typing import Dict, Optional, Tuple

import numpy as np
from mmcv.transforms import BaseTransform
from mmdet3d.registry import TRANSFORMS

from pointmcd_plugin.geometry import normalize_normals, unit_sphere_frame

from .loading import sample_name

# Keys of ``results`` whose first axis indexes points; every transform that
# reorders or subsamples points applies the same indices to all of them.
POINTWISE_KEYS = ('points', 'pts_part_label', 'visibility')


def _take(results: Dict, idx: np.ndarray) -> Dict:
    for key in POINTWISE_KEYS:
        if key in results:
            results[key] = results[key][idx]
    return results


def furthest_point_sample(xyz: np.ndarray, num: int, start: int = 0
                          ) -> np.ndarray:
    """Indices of ``num`` points chosen by furthest point sampling.

    Args:
        xyz (np.ndarray): (N, 3) coordinates.
        num (int): Number of points to keep (<= N).
        start (int): Index of the first point. Defaults to 0 (deterministic).
    """
    n = len(xyz)
    idx = np.empty(num, dtype=np.int64)
    idx[0] = start
    dist = np.full(n, np.inf)
    for i in range(1, num):
        d = ((xyz - xyz[idx[i - 1]])**2).sum(axis=1)
        np.minimum(dist, d, out=dist)
        idx[i] = int(dist.argmax())
    return idx


@TRANSFORMS.register_module()
class NormalizePoints(BaseTransform):
    """Move the points into the unit sphere: centroid to the origin, the
    farthest point at distance 1. Normals are unchanged (the map is a
    uniform scale and a shift). Records ``norm_centre`` and ``norm_scale``
    (``xyz' = (xyz - norm_centre) * norm_scale``)."""

    def transform(self, results: Dict) -> Dict:
        points = results['points'].copy()
        centre, radius = unit_sphere_frame(points[:, :3].astype(np.float64))
        points[:, :3] = (points[:, :3] - centre) / radius
        results['points'] = points
        results['norm_centre'] = centre.astype(np.float32)
        results['norm_scale'] = np.float32(1.0 / radius)
        return results


@TRANSFORMS.register_module()
class SamplePoints(BaseTransform):
    """Keep ``num_points`` points (and the matching per-point arrays).

    Args:
        num_points (int): Points to keep.
        method (str): ``'first'`` (the first N, the DGCNN/PointNet
            convention on ModelNet40), ``'random'`` (a random subset) or
            ``'fps'`` (furthest point sampling from the first point).
            Clouds with fewer points than ``num_points`` are an error for
            ``'first'`` and ``'fps'``; ``'random'`` then samples with
            replacement.
    """

    def __init__(self, num_points: int, method: str = 'first') -> None:
        if method not in ('first', 'random', 'fps'):
            raise ValueError(f"method must be 'first', 'random' or 'fps', "
                             f'got {method!r}')
        self.num_points = num_points
        self.method = method

    def transform(self, results: Dict) -> Dict:
        n = len(results['points'])
        if n < self.num_points and self.method != 'random':
            raise ValueError(
                f'SamplePoints: {sample_name(results)} has {n} points, '
                f'fewer than num_points={self.num_points}')
        if self.method == 'first':
            idx = np.arange(self.num_points)
        elif self.method == 'random':
            idx = np.random.choice(n, self.num_points,
                                   replace=n < self.num_points)
        else:
            idx = furthest_point_sample(results['points'][:, :3],
                                        self.num_points)
        return _take(results, idx)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(num_points={self.num_points}, '
                f'method={self.method!r})')


@TRANSFORMS.register_module()
class ShufflePoints(BaseTransform):
    """Randomly permute the points and every per-point array with them."""

    def transform(self, results: Dict) -> Dict:
        return _take(results, np.random.permutation(len(results['points'])))


@TRANSFORMS.register_module()
class RandomScaleShiftPoints(BaseTransform):
    """Random per-axis scaling then translation of the xyz coordinates.

    ``xyz' = xyz * s + t`` with ``s ~ U(scale_range)`` (per axis, or one
    factor if not ``anisotropic``) and ``t ~ U(-shift_range, shift_range)``
    per axis: the DGCNN/PointMCD augmentation with the defaults. Normals
    (channels 3:6) are transformed by the inverse transpose and
    renormalised. The factors are recorded as ``results['aug_scale']`` and
    ``results['aug_shift']``.
    """

    def __init__(self,
                 scale_range: Tuple[float, float] = (2. / 3., 3. / 2.),
                 shift_range: float = 0.2,
                 anisotropic: bool = True,
                 with_normals: Optional[bool] = None) -> None:
        self.scale_range = tuple(scale_range)
        self.shift_range = shift_range
        self.anisotropic = anisotropic
        self.with_normals = with_normals

    def transform(self, results: Dict) -> Dict:
        points = results['points'].copy()
        scale = np.random.uniform(*self.scale_range,
                                  size=3 if self.anisotropic else 1)
        scale = np.broadcast_to(scale, (3, )).astype(np.float32)
        shift = np.random.uniform(-self.shift_range, self.shift_range,
                                  size=3).astype(np.float32)
        points[:, :3] = points[:, :3] * scale + shift
        with_normals = points.shape[1] >= 6 if self.with_normals is None \
            else self.with_normals
        if with_normals:
            points[:, 3:6] = normalize_normals(points[:, 3:6] / scale)
        results['points'] = points
        results['aug_scale'] = scale
        results['aug_shift'] = shift
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(scale_range={self.scale_range}, '
                f'shift_range={self.shift_range}, '
                f'anisotropic={self.anisotropic})')


# Results that describe the points as seen from fixed cameras: a rotation
# relative to those cameras makes them describe another pose.
VIEW_BOUND_KEYS = ('img', 'teacher_descriptors', 'visibility')


@TRANSFORMS.register_module()
class RandomRotatePoints(BaseTransform):
    """Random rotation of the points about the up axis (y in ShapeNet /
    ModelNet40 HDF5 coordinates, the axis the cameras orbit).

    Normals (channels 3:6) rotate with the points. The rotation matrix is
    recorded as ``results['aug_rotation']`` (applied as ``xyz @ R.T``).
    Views and visibility must be produced after this transform
    (``ComputeViewVisibility``, ``RenderPointViews``): a sample that
    already carries views (``img``), ``teacher_descriptors`` or
    ``visibility`` is an error,
    since those describe the un-rotated shape.

    Args:
        rot_range (tuple[float, float]): Range of the angle in radians.
            Defaults to the full circle.
        axis (str): ``'y'`` (default), ``'z'`` or ``'x'``.
        with_normals (bool, optional): Rotate channels 3:6 too; by default
            when the points have at least 6 channels.
    """
    AXES = dict(x=0, y=1, z=2)

    def __init__(self,
                 rot_range: Tuple[float, float] = (-np.pi, np.pi),
                 axis: str = 'y',
                 with_normals: Optional[bool] = None) -> None:
        if axis not in self.AXES:
            raise ValueError(f"axis must be 'x', 'y' or 'z', got {axis!r}")
        self.rot_range = tuple(rot_range)
        self.axis = axis
        self.with_normals = with_normals

    def rotation(self, angle: float) -> np.ndarray:
        """(3, 3) rotation by ``angle`` about ``self.axis``
        (counter-clockwise looking down the axis)."""
        c, s = np.cos(angle), np.sin(angle)
        i = self.AXES[self.axis]
        j, k = (i + 1) % 3, (i + 2) % 3
        rot = np.eye(3)
        rot[j, j], rot[j, k], rot[k, j], rot[k, k] = c, -s, s, c
        return rot

    def transform(self, results: Dict) -> Dict:
        bound = [k for k in VIEW_BOUND_KEYS if k in results]
        if bound:
            raise ValueError(
                f'RandomRotatePoints: {sample_name(results)} '
                f'already carries {bound}, which describe the un-rotated '
                'shape from fixed cameras; rotate before the multi-view '
                'transforms (ComputeViewVisibility, RenderPointViews) '
                'and do not rotate samples with pre-rendered views or '
                'cached descriptors')
        rot = self.rotation(np.random.uniform(*self.rot_range)).astype(
            np.float32)
        points = results['points'].copy()
        points[:, :3] = points[:, :3] @ rot.T
        with_normals = points.shape[1] >= 6 if self.with_normals is None \
            else self.with_normals
        if with_normals:
            points[:, 3:6] = points[:, 3:6] @ rot.T
        results['points'] = points
        results['aug_rotation'] = rot
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(rot_range={self.rot_range}, '
                f'axis={self.axis!r})')


@TRANSFORMS.register_module()
class JitterPoints(BaseTransform):
    """Add clipped gaussian noise to the xyz coordinates.

    Args:
        sigma (float): Standard deviation of the noise.
        clip (float): Absolute clip of the noise.
    """

    def __init__(self, sigma: float = 0.01, clip: float = 0.05) -> None:
        self.sigma = sigma
        self.clip = clip

    def transform(self, results: Dict) -> Dict:
        points = results['points'].copy()
        noise = np.clip(self.sigma * np.random.randn(len(points), 3),
                        -self.clip, self.clip)
        points[:, :3] += noise.astype(points.dtype)
        results['points'] = points
        return results
