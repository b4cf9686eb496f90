from .formatting import PackPointInputs
from .point_transforms import (POINTWISE_KEYS, JitterPoints,
                               RandomScaleShiftPoints, SamplePoints,
                               ShufflePoints, furthest_point_sample)

__all__ = [
    'PackPointInputs', 'POINTWISE_KEYS', 'JitterPoints',
    'RandomScaleShiftPoints', 'SamplePoints', 'ShufflePoints',
    'furthest_point_sample'
]
