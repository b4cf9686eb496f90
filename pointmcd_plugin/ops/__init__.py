"""Point ops with a pure-torch path.

mmcv's point ops (knn, ball_query, furthest_point_sample, ...) have CUDA
kernels only. Every op here dispatches to mmcv when the tensors are on a CUDA
device and mmcv was compiled with CUDA ops, and otherwise runs an equivalent
torch implementation that gives the same result (tested against brute force).
:mod:`.mmcv_cpu` does the same for mmcv's own point ops under their names,
so that mmdet3d's point models run on CPU tensors.
"""
from .dispatch import mmcv_cuda_ops_available
from .knn import knn, pairwise_sq_dist
from .masked_max import masked_view_max
from .mmcv_cpu import (disable_torch_point_ops, enable_torch_point_ops,
                       torch_point_ops_enabled)

__all__ = ['knn', 'pairwise_sq_dist', 'masked_view_max',
           'mmcv_cuda_ops_available', 'enable_torch_point_ops',
           'disable_torch_point_ops', 'torch_point_ops_enabled']
