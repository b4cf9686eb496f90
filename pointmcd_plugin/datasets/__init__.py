from .modelnet40 import (MODELNET40_CLASSES, ModelNet40HDF5Dataset,
                         ModelNet40ResampledDataset)
from .pointmcd_preprocessed import (PointMCDModelNet40Dataset,
                                    PointMCDShapeNetPartDataset)
from .scanobjectnn import SCANOBJECTNN_CLASSES, ScanObjectNNDataset
from .shapenet_part import SHAPENETPART_PART_IDS, ShapeNetPartDataset
from .shapenetcore import ShapeNetCoreV2HDF5Dataset
from .tagged_splits import TaggedSplitsDataset  # noqa: F401
from .synthetic_shapes import (SyntheticShapesClsDataset,
                               SyntheticShapesCoreDataset,
                               SyntheticShapesPartSegDataset)
from .transforms import *  # noqa: F401,F403

__all__ = [
    'MODELNET40_CLASSES', 'ModelNet40HDF5Dataset', 'SyntheticShapesClsDataset',
    'SHAPENETPART_PART_IDS', 'ShapeNetPartDataset', 'ModelNet40ResampledDataset',
    'SyntheticShapesPartSegDataset', 'SCANOBJECTNN_CLASSES', 'ScanObjectNNDataset',
    'PointMCDModelNet40Dataset', 'PointMCDShapeNetPartDataset',
    'ShapeNetCoreV2HDF5Dataset',
    'SyntheticShapesCoreDataset'
]
