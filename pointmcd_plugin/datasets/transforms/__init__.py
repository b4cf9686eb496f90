from .cameras import VIEW_PRESETS, MultiViewCameras
from .formatting import PackPointInputs
from .multiview import RenderPointViews
from .point_transforms import (POINTWISE_KEYS, JitterPoints,
                               RandomScaleShiftPoints, SamplePoints,
                               ShufflePoints, furthest_point_sample)

__all__ = [
    'VIEW_PRESETS', 'MultiViewCameras', 'RenderPointViews',
    'PackPointInputs', 'POINTWISE_KEYS', 'JitterPoints',
    'RandomScaleShiftPoints', 'SamplePoints', 'ShufflePoints',
    'furthest_point_sample'
]
