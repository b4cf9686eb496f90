from .part_seg_head import PartSegHead
from .point_part_segmentor import PointPartSegmentor

__all__ = ['PartSegHead', 'PointPartSegmentor']
