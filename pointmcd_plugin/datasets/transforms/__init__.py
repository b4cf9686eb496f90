from .cameras import VIEW_PRESETS, MultiViewCameras
from .formatting import PackPointInputs
from .loading import LoadTeacherDescriptors
from .multiview import RenderPointViews
from .point_transforms import (POINTWISE_KEYS, JitterPoints, NormalizePoints,
                               RandomRotatePoints, RandomScaleShiftPoints,
                               SamplePoints, ShufflePoints,
                               furthest_point_sample, normalize_normals,
                               unit_sphere_frame)

__all__ = [
    'VIEW_PRESETS', 'MultiViewCameras', 'RenderPointViews',
    'PackPointInputs', 'POINTWISE_KEYS', 'JitterPoints',
    'RandomRotatePoints', 'RandomScaleShiftPoints', 'SamplePoints',
    'ShufflePoints', 'furthest_point_sample', 'LoadTeacherDescriptors',
    'NormalizePoints', 'unit_sphere_frame', 'normalize_normals'
]
