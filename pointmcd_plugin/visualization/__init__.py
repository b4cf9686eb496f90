from .point_cls_visualizer import PointClsVisualizer

__all__ = ['PointClsVisualizer']
