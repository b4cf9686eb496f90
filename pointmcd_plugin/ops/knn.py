from typing import Optional

import torch
from torch import Tensor

from .dispatch import use_mmcv_op

# mmcv's CUDA knn kernel keeps the k nearest in registers and supports k < 100
# on 3-d coordinates only.
_MMCV_KNN_MAX_K = 100


def pairwise_sq_dist(query: Tensor, support: Tensor) -> Tensor:
    """Squared euclidean distances between two point sets.

    Args:
        query (Tensor): (B, M, C) points.
        support (Tensor): (B, N, C) points.

    Returns:
        Tensor: (B, M, N) squared distances (clamped at 0).
    """
    inner = torch.bmm(query, support.transpose(1, 2))
    dist = (query.pow(2).sum(-1, keepdim=True) - 2 * inner +
            support.pow(2).sum(-1).unsqueeze(1))
    return dist.clamp_min_(0)


def knn(k: int,
        support: Tensor,
        query: Optional[Tensor] = None,
        use_mmcv: Optional[bool] = None) -> Tensor:
    """Indices of the k nearest support points of every query point.

    Works in any number of channels (DGCNN builds its graphs in feature
    space). On CUDA tensors with 3 channels and ``k < 100`` it calls
    ``mmcv.ops.knn``; elsewhere it runs a dense distance matrix and
    ``torch.topk`` (which is also what DGCNN does on the GPU).

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
        raise ValueError('knn expects support (B, N, C) and query (B, M, C), '
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
        from mmcv.ops.knn import KNN
        idx = KNN.apply(k, support.contiguous().float(),
                        query.contiguous().float())  # (B, k, M) int32
        return idx.transpose(1, 2).long().contiguous()
    dist = pairwise_sq_dist(query, support)
    return dist.topk(k, dim=-1, largest=False, sorted=True)[1]
