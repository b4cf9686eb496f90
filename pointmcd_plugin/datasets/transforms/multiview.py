"""Multi-view transforms: per-view visibility of the points, and rendered
views of them, as two transforms that share one projection.

Both describe the *current* points, so put them after the point
augmentation (and after any transform that reorders or drops points,
mmdet3d's included). A cached-teacher pipeline runs only
:class:`ComputeViewVisibility`; an online teacher also needs
:class:`RenderPointViews`. The geometry lives in
:mod:`pointmcd_plugin.geometry`.
"""
import logging
from typing import Dict, Optional, Tuple, Union

import numpy as np
from mmcv.transforms import BaseTransform
from mmdet3d.registry import TRANSFORMS
from mmengine.logging import print_log

from pointmcd_plugin.geometry import (MultiViewCameras, auto_splat_radius,
                                      backface_visibility, hpr_visibility,
                                      label_views, nearest_neighbours,
                                      normal_flip_fraction, shade,
                                      unit_sphere_frame, zbuffer,
                                      zbuffer_visibility)

from ..fileio import first_non_finite, format_row
from .loading import sample_name

# Key of ``results`` under which the multi-view transforms of a pipeline
# share what they computed for the current points (packers drop it).
GEOMETRY_KEY = '_view_geometry'


def point_array(points, results: Optional[Dict] = None) -> np.ndarray:
    """(N, C) numpy array of ``results['points']``: a numpy array or an
    mmdet3d ``BasePoints`` (whose ``tensor`` holds the channels).
    ``results`` names the sample in the error."""
    if hasattr(points, 'tensor'):
        return points.tensor.numpy()
    if isinstance(points, np.ndarray) and points.ndim == 2 and \
            points.shape[1] >= 3:
        return points
    which = '' if results is None else f' of {sample_name(results)}'
    raise TypeError(f'expected results["points"]{which} as an (N, C >= 3) '
                    'numpy array or mmdet3d BasePoints, got '
                    f'{type(points).__name__} {getattr(points, "shape", "")}')


def require_finite(values: np.ndarray, what: str, results: Dict,
                   transform: str) -> None:
    """(N, 3) ``values`` of the current points are finite, else an error
    naming the transform, the sample and the first bad point row. (The
    loaders refuse such files; this catches other sources, where scipy's
    and the renderer's own failures would name nothing.)"""
    bad = first_non_finite(values)
    if bad is None:
        return
    (row, ), count = bad
    raise ValueError(f'{transform}: {sample_name(results)} has non-finite '
                     f'{what} at point row {row} (0-based): '
                     f'{format_row(values[row])} (non-finite points: '
                     f'{count})')


class SharedViewGeometry:
    """What the multi-view transforms compute from the current points and
    share: the points framed for the cameras, their nearest neighbours and
    their projection into each camera set. Valid while the points' xyz are
    unchanged (compared by value, so an augmentation in between, even one
    that changes points in place, invalidates it)."""

    def __init__(self, xyz: np.ndarray, normalize: bool) -> None:
        self.raw = np.array(xyz, copy=True)
        self.normalize = normalize
        xyz = np.asarray(xyz, dtype=np.float64)
        if normalize:
            centre, radius = unit_sphere_frame(xyz)
            xyz = (xyz - centre) / radius
        self.xyz = xyz
        self._nn: Optional[Tuple[np.ndarray, np.ndarray]] = None
        self._projections: Dict[tuple, Tuple[np.ndarray, np.ndarray]] = {}

    @classmethod
    def of(cls, results: Dict, normalize: bool,
           transform: str = 'SharedViewGeometry') -> 'SharedViewGeometry':
        """The shared geometry of ``results['points']``, computed once
        (non-finite coordinates are an error naming ``transform`` and the
        sample)."""
        xyz = point_array(results['points'], results)[:, :3]
        geo = results.get(GEOMETRY_KEY)
        if not (isinstance(geo, cls) and geo.normalize == normalize
                and geo.raw.shape == xyz.shape
                and np.array_equal(geo.raw, xyz)):
            require_finite(xyz, 'coordinates', results, transform)
            geo = cls(xyz, normalize)
            results[GEOMETRY_KEY] = geo
        return geo

    def nearest_neighbours(self) -> Tuple[np.ndarray, np.ndarray]:
        """(N,) distance to and (N,) index of each point's nearest other."""
        if self._nn is None:
            self._nn = nearest_neighbours(self.xyz)
        return self._nn

    def project(self, cameras: MultiViewCameras
                ) -> Tuple[np.ndarray, np.ndarray]:
        """(K, N, 2) pixel coordinates in ``cameras``' image size and
        (K, N) depths. Cameras that differ only in image size share one
        projection (same field of view: pixel coordinates scale)."""
        key = (tuple(cameras.azimuth), tuple(cameras.elevation),
               cameras.distance, cameras.fov)
        if key not in self._projections:
            uv, depth = cameras.project(self.xyz)
            self._projections[key] = (uv / cameras.image_size, depth)
        uv, depth = self._projections[key]
        return uv * cameras.image_size, depth


@TRANSFORMS.register_module()
class ComputeViewVisibility(BaseTransform):
    """(N, K) visibility of the current points in K views.

    Adds ``visibility`` (N, K) bool (a per-point array: later sampling or
    shuffling by this plugin's transforms keeps it aligned) and
    ``num_views``. With ``normalize`` (default) the cameras frame the
    current points in the unit sphere (:func:`unit_sphere_frame`), so a
    shape scaled or shifted by the augmentation is neither cropped nor
    tiny; ``results['points']`` stay as they are. Without it, what lies
    outside a camera's field of view is invisible to it.

    Args:
        views (str | dict): View preset or azimuth / elevation lists.
        distance (float): Camera distance from the origin; the field of
            view fits the unit sphere.
        method (str): ``'zbuffer'`` (default) or ``'hpr'`` (hidden point
            removal, slower, no tolerance to choose).
        image_size (int): Side of the z-buffer; coarser than rendered
            views so small splats close the surface.
        tolerance (float): Base depth tolerance of z-buffer visibility.
        slope (float): Extra tolerance per unit of splat footprint
            (allows surfaces slanted up to ``atan(slope)``). A generous
            slope keeps slanted surfaces visible but lets the far side of
            thin plates (table tops, wings) through; see ``cull_backfaces``.
        cull_backfaces (bool | str): With normals in channels 3:6, also
            hide points whose normal faces away from the camera. Safe only
            where every normal points out of a closed surface (the embedded
            set, normals of closed, consistently wound meshes). Many real
            releases orient normals inconsistently (ModelNet40: 40-50 % of
            nearest-neighbour normals flipped on some shapes), and culling
            then hides about half of the visible surface. ``True`` culls and
            warns (once per transform and worker) about samples whose
            normals look inconsistent; ``'auto'`` culls only samples whose
            normals look consistent (see ``max_flipped_normals``);
            ``False`` (default) never culls. Points with a zero normal (no
            orientation known) are never culled; a sample with no normal
            to judge (all zero) is not culled, with a warning (once per
            transform and worker). Non-finite normals are an error naming
            the sample.
        max_flipped_normals (float): A sample's normals look inconsistent
            when more than this fraction of points have a normal pointing
            against their nearest neighbour's (:func:`normal_flip_fraction`;
            consistent embedded shapes stay below 0.1, randomly oriented
            ones above 0.25).
        hpr_radius_factor (float): Flipping radius factor of HPR.
        normalize (bool): Frame the current points in the unit sphere.
    """

    def __init__(self,
                 views: Union[str, Dict] = 'modelnet40_12',
                 distance: float = 2.0,
                 method: str = 'zbuffer',
                 image_size: int = 64,
                 tolerance: float = 0.02,
                 slope: float = 2.5,
                 cull_backfaces: Union[bool, str] = False,
                 max_flipped_normals: float = 0.15,
                 hpr_radius_factor: float = 100.0,
                 normalize: bool = True) -> None:
        if method not in ('zbuffer', 'hpr'):
            raise ValueError("method must be 'zbuffer' or 'hpr', got "
                             f'{method!r}')
        if cull_backfaces not in (True, False, 'auto'):
            raise ValueError("cull_backfaces must be True, False or 'auto', "
                             f'got {cull_backfaces!r}')
        self.cameras = MultiViewCameras(views, distance, image_size)
        self.method = method
        self.tolerance = tolerance
        self.slope = slope
        self.cull_backfaces = cull_backfaces
        self.max_flipped_normals = max_flipped_normals
        self.hpr_radius_factor = hpr_radius_factor
        self.normalize = normalize
        self._warned_flipped = False
        self._warned_unjudged = False

    def transform(self, results: Dict) -> Dict:
        points = point_array(results['points'], results)
        name = f'ComputeViewVisibility(cull_backfaces=' \
            f'{self.cull_backfaces!r})'
        if self.cull_backfaces:
            if points.shape[1] < 6:
                raise ValueError(f'{name} needs normals in points[:, 3:6]; '
                                 f'{sample_name(results)} has '
                                 f'{points.shape[1]} channels')
            require_finite(points[:, 3:6], 'normals', results, name)
        geo = SharedViewGeometry.of(results, self.normalize,
                                    'ComputeViewVisibility')
        cams = self.cameras
        if self.method == 'zbuffer':
            uv, depth = geo.project(cams)
            radius = auto_splat_radius(geo.nearest_neighbours()[0],
                                       cams.focal, cams.distance - 1.0)
            zbuf, _ = zbuffer(uv, depth, cams.image_size, radius,
                              with_owner=False)
            footprint = (radius + 0.5) * depth / cams.focal
            vis = zbuffer_visibility(uv, depth, zbuf,
                                     self.tolerance + self.slope * footprint)
        else:
            vis = hpr_visibility(geo.xyz, cams.centres,
                                 self.hpr_radius_factor)
        if self.cull_backfaces and self._normals_fit_culling(
                geo, points[:, 3:6], results):
            vis &= backface_visibility(geo.xyz, points[:, 3:6], cams.centres)
        results['visibility'] = vis
        results['num_views'] = cams.num_views
        return results

    def _normals_fit_culling(self, geo: SharedViewGeometry,
                             normals: np.ndarray, results: Dict) -> bool:
        """Whether to cull this sample's back faces; warns or skips when
        its normals look inconsistently oriented, and skips (warning once)
        a sample whose normals cannot be judged (all zero: none known;
        zero normals are never culled anyway)."""
        flipped = normal_flip_fraction(geo.xyz, normals,
                                       geo.nearest_neighbours()[1])
        if np.isnan(flipped):
            if not self._warned_unjudged:
                self._warned_unjudged = True
                print_log(
                    f'ComputeViewVisibility(cull_backfaces='
                    f'{self.cull_backfaces!r}): {sample_name(results)} has '
                    'no normals to judge (every normal, or every '
                    'nearest-neighbour pair, has a zero vector: a release '
                    'without normals?), so its back faces are not culled. '
                    'Warned once.', logger='current', level=logging.WARNING)
            return False
        if flipped <= self.max_flipped_normals:
            return True
        if self.cull_backfaces == 'auto':
            return False
        if not self._warned_flipped:
            self._warned_flipped = True
            print_log(
                f'ComputeViewVisibility(cull_backfaces=True): {flipped:.0%} '
                f'of the normals of {sample_name(results)} point against '
                'their nearest neighbour\'s (inconsistently oriented '
                'normals), so culling hides visible surface. Use '
                'cull_backfaces=\'auto\' (cull only consistent samples) or '
                'False. Warned once.',
                logger='current', level=logging.WARNING)
        return True

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(views={self.cameras.num_views}, '
                f'method={self.method!r}, '
                f'image_size={self.cameras.image_size}, '
                f'cull_backfaces={self.cull_backfaces!r}, '
                f'normalize={self.normalize})')


@TRANSFORMS.register_module()
class RenderPointViews(BaseTransform):
    """Render K grey views of the current points (z-buffered splats).

    Adds ``img``: a list of K (H, W, 1) uint8 views (the list of (H, W, C)
    arrays mmdet3d's multi-view transforms and ``Pack3DDetInputs`` use;
    packed as (K, 1, H, W)), ``num_views`` and, with ``part_labels``, the
    labelled views ``view_part_labels`` (K, H, W). Framing as in
    :class:`ComputeViewVisibility`; both share one projection when they run
    on the same points.

    Splats follow the median point spacing and holes between them are then
    closed (``fill_radius``): at 1024 points and 224 px, median-sized
    splats alone leave background on 19 % of the silhouette of the same
    surface sampled densely, and closing brings that to 4 % while adding
    2 % outside it (embedded shapes; ``tools/benchmark_pipeline.py``
    prints the share of background inside each view's silhouette).

    Args:
        views (str | dict): View preset or azimuth / elevation lists.
        distance (float): Camera distance from the origin.
        image_size (int): Side of the views. Defaults to 224.
        splat_radius (int | str): Splat radius in pixels, or ``'auto'``
            (half the median nearest-neighbour spacing, projected at the
            centre depth).
        fill_radius (int | str): Close holes up to this radius
            (:func:`~pointmcd_plugin.geometry.zbuffer`), or ``'auto'``:
            1.5 times the splat radius that the ``fill_percentile`` of the
            nearest-neighbour spacing needs (4 to 6 pixels at 1024 points
            and 224 px); 0 disables filling.
        fill_percentile (float): Percentile of the spacing ``'auto'``
            closes.
        shading (str): ``'normal'`` (Lambert, needs normals in channels
            3:6) or ``'depth'``.
        normalize (bool): Frame the current points in the unit sphere.
        part_labels (bool): Also render the labelled views of a part-
            segmentation sample: ``view_part_labels`` (K, H, W) int64, at
            every pixel the part label (``pts_part_label``) of the point
            that owns it in the same z-buffer as the grey view (holes
            closed alike), ``label_background`` where the view is empty;
            and ``view_background``. The layout the PointMCD authors'
            ``mv_image_labeled_16`` PNGs have (``LoadViewPartLabels``).
        label_background (int): Label of empty pixels: the number of parts
            of the label space (50 in ShapeNetPart, as in the authors'
            PNGs), so that a segmenter has ``num_parts + 1`` classes.
    """

    def __init__(self,
                 views: Union[str, Dict] = 'modelnet40_12',
                 distance: float = 2.0,
                 image_size: int = 224,
                 splat_radius: Union[int, str] = 'auto',
                 fill_radius: Union[int, str] = 'auto',
                 fill_percentile: float = 90.0,
                 shading: str = 'normal',
                 normalize: bool = True,
                 part_labels: bool = False,
                 label_background: int = 50) -> None:
        if shading not in ('normal', 'depth'):
            raise ValueError(f"shading must be 'normal' or 'depth', got "
                             f'{shading!r}')
        if not isinstance(label_background, int) or label_background < 0:
            raise ValueError('label_background must be an int >= 0 (the '
                             'number of parts), got '
                             f'{label_background!r}')
        for name, value in (('splat_radius', splat_radius),
                            ('fill_radius', fill_radius)):
            if value != 'auto' and not (isinstance(value, int) and
                                        value >= 0):
                raise ValueError(f"{name} must be 'auto' or an int >= 0, "
                                 f'got {value!r}')
        self.cameras = MultiViewCameras(views, distance, image_size)
        self.splat_radius = splat_radius
        self.fill_radius = fill_radius
        self.fill_percentile = fill_percentile
        self.shading = shading
        self.normalize = normalize
        self.part_labels = part_labels
        self.label_background = label_background

    def radii(self, geo: SharedViewGeometry) -> Tuple[int, int]:
        """Splat and fill radius (pixels) for the current points."""
        cams = self.cameras
        radius, fill = self.splat_radius, self.fill_radius
        if 'auto' in (radius, fill):
            nn_dist = geo.nearest_neighbours()[0]
        if radius == 'auto':
            radius = auto_splat_radius(nn_dist, cams.focal, cams.distance,
                                       percentile=50.0)
        if fill == 'auto':
            fill = round(1.5 * auto_splat_radius(
                nn_dist, cams.focal, cams.distance,
                percentile=self.fill_percentile))
        return int(radius), int(fill)

    def transform(self, results: Dict) -> Dict:
        points = point_array(results['points'], results)
        normals = None
        if self.shading == 'normal':
            if points.shape[1] < 6:
                raise ValueError(
                    "RenderPointViews(shading='normal') needs normals in "
                    f'points[:, 3:6] ({sample_name(results)} has '
                    f'{points.shape[1]} channels): load them '
                    "(load_normals=True) or use shading='depth'")
            normals = points[:, 3:6]
            require_finite(normals, 'normals', results,
                           "RenderPointViews(shading='normal')")
        geo = SharedViewGeometry.of(results, self.normalize,
                                    'RenderPointViews')
        uv, depth = geo.project(self.cameras)
        radius, fill = self.radii(geo)
        zbuf, owner = zbuffer(uv, depth, self.cameras.image_size, radius,
                              fill_radius=fill,
                              with_depth=self.shading == 'depth')
        views = shade(owner, zbuf, self.cameras, normals)[..., None]
        results['img'] = list(views)
        results['num_views'] = self.cameras.num_views
        if self.part_labels:
            results['view_part_labels'] = label_views(
                owner, self._point_labels(results, len(points)),
                self.label_background)
            results['view_background'] = self.label_background
        return results

    def _point_labels(self, results: Dict, num_points: int) -> np.ndarray:
        """(N,) part labels of the current points, checked."""
        name = 'RenderPointViews(part_labels=True)'
        if 'pts_part_label' not in results:
            raise KeyError(
                f'{name} needs results["pts_part_label"] ((N,) part ids of '
                f'the points; {sample_name(results)} has none): use a '
                'part-segmentation dataset whose point files have a part '
                'column (ShapeNetPartDataset), read by LoadShapePoints')
        labels = np.asarray(results['pts_part_label'])
        if labels.shape != (num_points, ):
            raise ValueError(
                f'{name}: {sample_name(results)} has part labels of shape '
                f'{labels.shape} for {num_points} points; a transform moved '
                'the points without their labels')
        if len(labels) and (labels.min() < 0 or
                            labels.max() >= self.label_background):
            raise ValueError(
                f'{name}: {sample_name(results)} has part labels '
                f'{int(labels.min())}..{int(labels.max())}, expected 0..'
                f'{self.label_background - 1} below label_background='
                f'{self.label_background} (set label_background to the '
                'number of parts of the label space)')
        return labels

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(views={self.cameras.num_views}, '
                f'image_size={self.cameras.image_size}, '
                f'splat_radius={self.splat_radius!r}, '
                f'fill_radius={self.fill_radius!r}, '
                f'normalize={self.normalize}, '
                f'part_labels={self.part_labels})')
