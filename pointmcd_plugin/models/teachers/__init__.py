from .data_preprocessor import MultiViewImagePreprocessor
from .multiview_teacher import MultiViewImageTeacher

__all__ = ['MultiViewImagePreprocessor', 'MultiViewImageTeacher']
