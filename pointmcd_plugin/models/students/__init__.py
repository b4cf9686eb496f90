from .dgcnn import DGCNNEncoder
from .pointnet import PointNetEncoder

__all__ = ['DGCNNEncoder', 'PointNetEncoder']
