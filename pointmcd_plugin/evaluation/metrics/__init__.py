from .cls_metric import PointClsMetric

__all__ = ['PointClsMetric']
