"""Point ops with a pure-torch path.

mmcv's point ops (knn, ball_query, furthest_point_sample, ...) have CUDA
kernels only. Every op here dispatches to mmcv when the tensors are on a CUDA
device and mmcv was compiled with CUDA ops, and otherwise runs an equivalent
torch implementation that follows the kernels' rules (tested against
brute force; where CPU and GPU can differ, on exact ties of ``knn``, is
written down in :mod:`.torch_point_ops`). :mod:`.mmcv_cpu` does the same
for mmcv's own point ops, inside mmcv's autograd Functions, so that
mmdet3d's point models run on CPU tensors.
"""
from .dispatch import mmcv_cuda_ops_available
from .knn import knn, pairwise_sq_dist
from .masked_max import masked_view_max
from .mmcv_cpu import (disable_torch_point_ops, enable_torch_point_ops,
                       mmcv_point_ops, torch_point_ops_enabled)

__all__ = ['knn', 'pairwise_sq_dist', 'masked_view_max',
           'mmcv_cuda_ops_available', 'enable_torch_point_ops',
           'disable_torch_point_ops', 'torch_point_ops_enabled',
           'mmcv_point_ops']
