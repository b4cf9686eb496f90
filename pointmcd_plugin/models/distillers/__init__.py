from .pointmcd_distiller import FeatureRecorder, PointMCDDistiller

__all__ = ['FeatureRecorder', 'PointMCDDistiller']
