from .data_preprocessor import MultiViewImagePreprocessor
from .multiview_teacher import MultiViewImageTeacher
from .partseg_teacher import MultiViewPartSegTeacher
from .unet_part_head import UNetPartSegHead

__all__ = [
    'MultiViewImagePreprocessor', 'MultiViewImageTeacher',
    'MultiViewPartSegTeacher', 'UNetPartSegHead'
]
