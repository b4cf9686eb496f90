from .point_data_preprocessor import PointDataPreprocessor

__all__ = ['PointDataPreprocessor']
