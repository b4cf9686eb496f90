from .chamfer_loss import (ChamferLoss, chamfer_distance,
                           mmdet3d_chamfer_distance,
                           nearest_neighbour_indices)
from .folding_head import FoldingHead, FoldingMLP, folding_grid
from .foldingnet_encoder import (CodewordNeck, FoldingNetEncoder,
                                 local_covariance, local_max_pool)
from .point_autoencoder import PointAutoEncoder

__all__ = [
    'ChamferLoss', 'chamfer_distance', 'mmdet3d_chamfer_distance',
    'nearest_neighbour_indices', 'FoldingHead', 'FoldingMLP', 'folding_grid',
    'CodewordNeck', 'FoldingNetEncoder', 'local_covariance', 'local_max_pool',
    'PointAutoEncoder'
]
