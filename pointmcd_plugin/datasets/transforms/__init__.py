from .formatting import (PackDistillInputs, PackPartSegInputs,
                         PackPointInputs, PackViewInputs,
                         attach_distill_inputs)
from .loading import (LoadMultiViewImages, LoadShapePoints,
                      LoadTeacherKnowledge, LoadViewPartLabels,
                      LoadViewVisibility, point_file_format)
from .multiview import ComputeViewVisibility, RenderPointViews
from .point_transforms import (POINTWISE_KEYS, JitterPoints, NormalizePoints,
                               RandomRotatePoints, RandomScaleShiftPoints,
                               SamplePoints, ShufflePoints,
                               furthest_point_sample)

__all__ = [
    'PackDistillInputs', 'PackPartSegInputs', 'PackPointInputs',
    'PackViewInputs', 'attach_distill_inputs',
    'LoadMultiViewImages', 'LoadShapePoints', 'LoadTeacherKnowledge',
    'LoadViewPartLabels', 'LoadViewVisibility', 'point_file_format',
    'ComputeViewVisibility', 'RenderPointViews', 'POINTWISE_KEYS',
    'JitterPoints', 'NormalizePoints', 'RandomRotatePoints',
    'RandomScaleShiftPoints', 'SamplePoints', 'ShufflePoints',
    'furthest_point_sample'
]
