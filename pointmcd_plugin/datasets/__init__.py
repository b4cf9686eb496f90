from .modelnet40 import MODELNET40_CLASSES, ModelNet40HDF5Dataset
from .synthetic_shapes import SyntheticShapesClsDataset
from .transforms import *  # noqa: F401,F403

__all__ = [
    'MODELNET40_CLASSES', 'ModelNet40HDF5Dataset', 'SyntheticShapesClsDataset'
]
