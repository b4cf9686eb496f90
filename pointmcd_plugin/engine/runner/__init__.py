from .runner import PointMCDRunner

__all__ = ['PointMCDRunner']
