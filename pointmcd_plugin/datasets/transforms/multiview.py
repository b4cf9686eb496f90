import logging
from typing import Dict, Optional, Union

import numpy as np
from mmcv.transforms import BaseTransform
from mmdet3d.registry import TRANSFORMS
from mmengine.logging import print_log

from .cameras import MultiViewCameras
from .point_transforms import unit_sphere_frame
from .rendering import (auto_splat_radius, hpr_visibility,
                        nearest_neighbours, normal_flip_fraction, shade,
                        zbuffer, zbuffer_visibility)


@TRANSFORMS.register_module()
class RenderPointViews(BaseTransform):
    """Render K views of the current points and their visibility mask.

    Put it after the point augmentation, so images and masks describe the
    points the student sees. With ``normalize`` (default) the cameras frame
    the current points: they are rendered as if moved into the unit sphere
    (:func:`unit_sphere_frame`), so a shape scaled up or shifted by the
    augmentation is neither cropped nor tiny, while ``results['points']``
    stay as they are. Without it the points are rendered where they are,
    and what lies outside a camera's field of view is invisible to it.
    Adds to ``results``:

    * ``visibility`` (N, K) bool, unless ``visibility`` is None: from a
      z-buffer (``'zbuffer'``) or hidden point removal (``'hpr'``). It is a
      per-point array, so later sampling / shuffling keeps it aligned;
    * ``images`` (K, H, W) float32 in [0, 1], when ``with_images``;
    * ``num_views``.

    Args:
        views (str | dict): View preset or azimuth / elevation lists.
        distance (float): Camera distance from the origin; the field of
            view fits the unit sphere.
        image_size (int): Side of the rendered images. Defaults to 224.
        splat_radius (int | str): Splat radius of the images in pixels, or
            ``'auto'`` (from the median point spacing).
        shading (str): ``'normal'`` (Lambert, needs normals in channels
            3:6) or ``'depth'``.
        with_images (bool): Whether to output images.
        visibility (str, optional): ``'zbuffer'``, ``'hpr'`` or None.
        visibility_size (int): Side of the z-buffer used for visibility;
            coarser than the images so small splats close the surface.
        tolerance (float): Base depth tolerance of z-buffer visibility.
        slope (float): Extra tolerance per unit of splat footprint
            (allows surfaces slanted up to ``atan(slope)``). A generous
            slope keeps slanted surfaces visible but lets the far side of
            thin plates (table tops, wings) through; see ``cull_backfaces``.
        cull_backfaces (bool | str): With normals in channels 3:6, also
            hide (with either visibility method) points whose normal faces
            away from the camera. Safe only where every normal points out of
            a closed surface (the embedded set, normals of closed,
            consistently wound meshes). Many real releases orient normals
            inconsistently (ModelNet40: 40-50 % of nearest-neighbour
            normals flipped on some shapes), and culling then hides about
            half of the visible surface. ``True`` culls and warns (once per
            transform and worker) about samples whose normals look
            inconsistent; ``'auto'`` culls only samples whose normals look
            consistent (see ``max_flipped_normals``) and leaves the others
            unculled; ``False`` (default) never culls.
        max_flipped_normals (float): A sample's normals look inconsistent
            when more than this fraction of points have a normal pointing
            against their nearest neighbour's (:func:`normal_flip_fraction`,
            which does not count the two faces of thin sheets; consistent
            embedded shapes stay below 0.1, randomly oriented ones above
            0.25).
        hpr_radius_factor (float): Flipping radius factor of HPR.
        normalize (bool): Frame the current points in the unit sphere.
    """

    def __init__(self,
                 views: Union[str, Dict] = 'modelnet40_12',
                 distance: float = 2.0,
                 image_size: int = 224,
                 splat_radius: Union[int, str] = 'auto',
                 shading: str = 'normal',
                 with_images: bool = True,
                 visibility: Optional[str] = 'zbuffer',
                 visibility_size: int = 64,
                 tolerance: float = 0.02,
                 slope: float = 2.5,
                 cull_backfaces: Union[bool, str] = False,
                 max_flipped_normals: float = 0.15,
                 hpr_radius_factor: float = 100.0,
                 normalize: bool = True) -> None:
        if shading not in ('normal', 'depth'):
            raise ValueError(f"shading must be 'normal' or 'depth', got "
                             f'{shading!r}')
        if visibility not in ('zbuffer', 'hpr', None):
            raise ValueError("visibility must be 'zbuffer', 'hpr' or None, "
                             f'got {visibility!r}')
        if cull_backfaces not in (True, False, 'auto'):
            raise ValueError("cull_backfaces must be True, False or 'auto', "
                             f'got {cull_backfaces!r}')
        self.cameras = MultiViewCameras(views, distance, image_size)
        self.vis_cameras = MultiViewCameras(views, distance, visibility_size)
        self.splat_radius = splat_radius
        self.shading = shading
        self.with_images = with_images
        self.visibility = visibility
        self.tolerance = tolerance
        self.slope = slope
        self.cull_backfaces = cull_backfaces
        self.max_flipped_normals = max_flipped_normals
        self._warned_flipped = False
        self.hpr_radius_factor = hpr_radius_factor
        self.normalize = normalize

    def frame(self, xyz: np.ndarray) -> np.ndarray:
        """(N, 3) float64 coordinates the cameras see ``xyz`` at."""
        xyz = np.asarray(xyz, dtype=np.float64)
        if self.normalize:
            centre, radius = unit_sphere_frame(xyz)
            xyz = (xyz - centre) / radius
        return xyz

    def transform(self, results: Dict) -> Dict:
        points = results['points']
        xyz = self.frame(points[:, :3])
        nn_dist = nn_idx = None
        cull = self.visibility is not None and bool(self.cull_backfaces)
        if cull and points.shape[1] < 6:
            raise ValueError(f'RenderPointViews(cull_backfaces='
                             f'{self.cull_backfaces!r}) needs normals in '
                             'points[:, 3:6]')
        if cull or self.visibility == 'zbuffer' or (
                self.with_images and self.splat_radius == 'auto'):
            nn_dist, nn_idx = nearest_neighbours(xyz)
        if self.visibility == 'zbuffer' or self.with_images:
            # One projection serves both image sizes: same cameras and field
            # of view, so pixel coordinates scale with the image side.
            uv, depth = self.cameras.project(xyz)
        if self.visibility == 'zbuffer':
            cams = self.vis_cameras
            radius = auto_splat_radius(nn_dist, cams.focal,
                                       cams.distance - 1.0)
            vis_uv = uv * (cams.image_size / self.cameras.image_size)
            zbuf, _ = zbuffer(vis_uv, depth, cams.image_size, radius)
            footprint = (radius + 0.5) * depth / cams.focal
            results['visibility'] = zbuffer_visibility(
                vis_uv, depth, zbuf, self.tolerance + self.slope * footprint)
        elif self.visibility == 'hpr':
            results['visibility'] = hpr_visibility(
                xyz, self.cameras.centres, self.hpr_radius_factor)
        if cull and self._normals_fit_culling(xyz, points[:, 3:6], nn_idx,
                                              results):
            to_eye = self.cameras.centres[None] - xyz[:, None]  # (N, K, 3)
            results['visibility'] &= np.einsum(
                'nkc,nc->nk', to_eye, points[:, 3:6]) > 0
        if self.with_images:
            normals = None
            if self.shading == 'normal':
                if points.shape[1] < 6:
                    raise ValueError(
                        "RenderPointViews(shading='normal') needs normals in "
                        'points[:, 3:6]: load them (load_normals=True) or '
                        "use shading='depth'")
                normals = points[:, 3:6]
            cams = self.cameras
            radius = self.splat_radius
            if radius == 'auto':
                radius = auto_splat_radius(nn_dist, cams.focal, cams.distance,
                                           percentile=50.0)
            zbuf, owner = zbuffer(uv, depth, cams.image_size, int(radius))
            results['images'] = shade(owner, zbuf, cams, normals)
        results['num_views'] = self.cameras.num_views
        return results

    def _normals_fit_culling(self, xyz: np.ndarray, normals: np.ndarray,
                             nn_idx: np.ndarray, results: Dict) -> bool:
        """Whether to cull this sample's back faces; warns or skips when
        its normals look inconsistently oriented."""
        flipped = normal_flip_fraction(xyz, normals, nn_idx)
        if flipped <= self.max_flipped_normals:
            return True
        if self.cull_backfaces == 'auto':
            return False
        if not self._warned_flipped:
            self._warned_flipped = True
            name = results.get('shape_id', results.get('sample_idx'))
            print_log(
                f'RenderPointViews(cull_backfaces=True): {flipped:.0%} of '
                f'the normals of sample {name} point against their nearest '
                'neighbour\'s (inconsistently oriented normals), so culling '
                'hides visible surface. Use cull_backfaces=\'auto\' (cull '
                'only consistent samples) or False. Warned once.',
                logger='current', level=logging.WARNING)
        return True

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(views={self.cameras.num_views}, '
                f'image_size={self.cameras.image_size}, '
                f'distance={self.cameras.distance}, '
                f'visibility={self.visibility!r}, '
                f'normalize={self.normalize})')
