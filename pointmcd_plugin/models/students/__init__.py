from .dgcnn import DGCNNEncoder, EdgeConv
from .pointnet import (PointNetEncoder, TransformNet,
                       feature_transform_regularizer)

__all__ = ['DGCNNEncoder', 'EdgeConv', 'PointNetEncoder', 'TransformNet',
           'feature_transform_regularizer']
