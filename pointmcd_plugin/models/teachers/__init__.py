from .autoencoder_teacher import MultiViewAutoEncoderTeacher
from .base_teacher import FrozenTeacherMixin, MultiViewBackboneTeacher
from .data_preprocessor import MultiViewImagePreprocessor
from .multiview_teacher import MultiViewImageTeacher
from .partseg_teacher import MultiViewPartSegTeacher
from .unet_part_head import UNetPartSegHead
from .view_decoder_head import ViewDecoderHead

__all__ = [
    'FrozenTeacherMixin', 'MultiViewAutoEncoderTeacher',
    'MultiViewBackboneTeacher', 'MultiViewImagePreprocessor',
    'MultiViewImageTeacher', 'MultiViewPartSegTeacher', 'UNetPartSegHead',
    'ViewDecoderHead'
]
