from .num_classes_check_hook import NumClassesCheckHook
from .visualization_hook import PointClsVisualizationHook

__all__ = ['NumClassesCheckHook', 'PointClsVisualizationHook']
