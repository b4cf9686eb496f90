"""The plugin's kNN entry point (DGCNN): mmcv's kernel on CUDA where it
applies, else the package's one torch kNN,
:func:`.torch_point_ops.knn_indices` (one distance formula,
:func:`pairwise_sq_dist`, shared with ``torch_point_ops.knn``)."""
from typing import Optional

from torch import Tensor

from .dispatch import use_mmcv_op
from .torch_point_ops import knn_indices, pairwise_sq_dist

__all__ = ['knn', 'pairwise_sq_dist']

# mmcv's CUDA knn kernel keeps the k nearest in registers and supports k < 100
# on 3-d coordinates only.
_MMCV_KNN_MAX_K = 100


def knn(k: int,
        support: Tensor,
        query: Optional[Tensor] = None,
        use_mmcv: Optional[bool] = None) -> Tensor:
    """Indices of the k nearest support points of every query point.

    Works in any number of channels (DGCNN builds its graphs in feature
    space). On CUDA tensors with 3 channels and ``k < 100`` it calls mmcv's
    knn kernel; elsewhere :func:`.torch_point_ops.knn_indices` (one GEMM
    of distances, :func:`pairwise_sq_dist`, and ``torch.topk``; ties by
    lowest index). The two can differ only among exactly equal distances
    and float32 near-ties (see :mod:`.torch_point_ops`).

    Args:
        k (int): Number of neighbours (the query itself counts when it is
            one of the support points).
        support (Tensor): (B, N, C) points to search.
        query (Tensor, optional): (B, M, C) query points. Defaults to
            ``support``.
        use_mmcv (bool, optional): Force (True) or forbid (False) the mmcv
            kernel. Defaults to dispatching on device and shape.

    Returns:
        Tensor: (B, M, k) int64 indices into ``support``, nearest first.
    """
    if query is None:
        query = support
    if support.dim() != 3 or query.dim() != 3 or \
            support.shape[-1] != query.shape[-1]:
        raise ValueError(
            'knn expects support (B, N, C) and query (B, M, C), '
            f'got {tuple(support.shape)} and {tuple(query.shape)}')
    if k > support.shape[1]:
        raise ValueError(f'knn: k={k} is larger than the number of support '
                         f'points N={support.shape[1]}')
    mmcv_ok = (support.shape[-1] == 3 and k < _MMCV_KNN_MAX_K
               and use_mmcv_op(support, query))
    if use_mmcv is None:
        use_mmcv = mmcv_ok
    elif use_mmcv and not mmcv_ok:
        raise RuntimeError('knn(use_mmcv=True) needs CUDA tensors with 3 '
                           'channels, k < 100 and mmcv built with CUDA ops')
    if use_mmcv:
        # mmcv's own autograd Function, whatever the plugin patched.
        from .mmcv_cpu import mmcv_point_ops
        idx = mmcv_point_ops()['knn'](k, support.contiguous().float(),
                                      query.contiguous().float(),
                                      False)  # (B, k, M) int32
        return idx.transpose(1, 2).long().contiguous()
    return knn_indices(k, support, query)
