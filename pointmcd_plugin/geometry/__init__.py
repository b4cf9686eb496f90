"""Geometry of multi-view PointMCD: cameras, projection, z-buffer,
visibility and shading, as pure numpy / torch functions that both the data
transforms and models may import."""
from .cameras import (VIEW_PRESETS, MultiViewCameras, camera_centres,
                      look_at_rotations, resolve_views)
from .frame import normalize_normals, unit_sphere_frame
from .shading import label_views, shade
from .visibility import (backface_visibility, hpr_visibility,
                         nearest_neighbours, normal_flip_fraction,
                         zbuffer_visibility)
from .splatting import auto_splat_radius, enclosed_background_fraction, zbuffer

__all__ = [
    'VIEW_PRESETS', 'MultiViewCameras', 'camera_centres', 'look_at_rotations',
    'resolve_views', 'normalize_normals', 'unit_sphere_frame', 'label_views',
    'shade',
    'backface_visibility', 'hpr_visibility', 'nearest_neighbours',
    'normal_flip_fraction', 'zbuffer_visibility', 'auto_splat_radius',
    'enclosed_background_fraction', 'zbuffer'
]
