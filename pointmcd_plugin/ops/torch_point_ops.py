"""Torch implementations of mmcv's point ops, with mmcv's signatures.

mmcv 2.1.0 ships these ops as CUDA kernels only (``mmcv.ops.ball_query``
raises "implementation for device cpu not found" on CPU tensors, and
``furthest_point_sample`` / ``knn`` allocate CUDA tensors outright), so
mmdet3d's point models cannot run on a CPU. The functions here take and
return what mmcv's take and return (shapes, int32 indices, sqrt distances
of ``three_nn``, (B, k, M) ``knn``) and follow the kernels' semantics
(mmcv/ops/csrc/common/cuda/*_kernel.cuh), including their handling of
short balls and ties:

* ``furthest_point_sample``: starts at index 0; of equally far points the
  lowest index is taken (the kernel's choice among exact ties depends on
  its thread layout).
* ``ball_query``: the first ``sample_num`` points in index order with
  ``d2 == 0 or min_r2 <= d2 < max_r2``; a short ball repeats its first
  point, an empty one is all zeros (stacked inputs: ``-1`` first, as the
  stacked kernel).
* ``three_nn`` and ``knn``: ascending distance, ties by index (``knn``'s
  heap has no defined tie order); fewer candidates than asked leave index
  0 and distance 1e10 (``knn``) or inf (``three_nn``), as the kernels.
* ``grouping_operation``, ``gather_points``, ``three_interpolate``: the
  gradient flows to ``features`` only, as in mmcv (``three_interpolate``'s
  weights get none).

Squared distances are computed from coordinate differences in the kernels'
order (``dx*dx + dy*dy + dz*dz``), not with the ``|a|^2 - 2ab + |b|^2``
expansion, so the radius and neighbour decisions match a brute force of
the kernels' rule on the boundary (nvcc may fuse the kernel's arithmetic
into FMAs, so bitwise equality with a GPU is not promised there).
Pairwise work is chunked to bound memory.

These are wired under mmcv's names by :mod:`.mmcv_cpu` for CPU tensors.
"""
from typing import Callable, Optional, Tuple

import torch
from torch import Tensor

# Elements of a (B, rows, N) distance tensor computed at once.
_CHUNK_ELEMS = 1 << 23


def _sq_dist(query: Tensor, support: Tensor) -> Tensor:
    """(B, M, N) squared distances, summed over channels in order
    (``dx*dx + dy*dy + dz*dz`` for points), one channel at a time.

    Args:
        query (Tensor): (B, M, C) points.
        support (Tensor): (B, N, C) points.
    """
    out = None
    for c in range(query.shape[-1]):
        d = query[..., c].unsqueeze(2) - support[..., c].unsqueeze(1)
        out = d.mul_(d) if out is None else out.addcmul_(d, d)
    return out


def _chunks(query: Tensor, support: Tensor):
    """Yield (start, stop) ranges of query rows that bound the size of the
    (B, rows, N) pairwise tensors."""
    B, M = query.shape[:2]
    per_row = max(1, B * support.shape[1])
    step = max(1, _CHUNK_ELEMS // per_row)
    for start in range(0, M, step):
        yield start, min(M, start + step)


def _smallest_k(dist: Tensor, k: int) -> Tuple[Tensor, Tensor]:
    """The k smallest entries of each row, ascending, ties by index.

    ``torch.topk`` picks among equal values in no defined order; here the
    k-th smallest value is found first, then every entry below it and the
    lowest-indexed entries equal to it are taken and ordered by
    (value, index).

    Args:
        dist (Tensor): (..., N) values, k <= N.

    Returns:
        tuple: (..., k) values and int64 indices.
    """
    val, idx = dist.topk(k, dim=-1, largest=False, sorted=True)
    kth = val[..., -1:]
    # Rows without equal values at or below the k-th are already exact.
    tied = ((dist == kth).sum(-1) > 1) | \
        (val[..., 1:] == val[..., :-1]).any(-1)
    if tied.any():
        val, idx = val.clone(), idx.clone()
        val[tied], idx[tied] = _smallest_k_ties(dist[tied], k)
    return val, idx


def _smallest_k_ties(dist: Tensor, k: int) -> Tuple[Tensor, Tensor]:
    """:func:`_smallest_k` for (R, N) rows with ties."""
    kth = dist.topk(k, dim=-1, largest=False, sorted=True)[0][..., -1:]
    n = dist.shape[-1]
    order = torch.arange(n, device=dist.device)
    # Entries below the k-th value first (by index), then equal ones.
    key = torch.where(dist < kth, order,
                      torch.where(dist == kth, order + n, 2 * n))
    idx = key.topk(k, dim=-1, largest=False, sorted=True)[1]
    idx = idx.sort(dim=-1)[0]
    val = dist.gather(-1, idx)
    val, perm = val.sort(dim=-1, stable=True)
    return val, idx.gather(-1, perm)


# --------------------------------------------------------------- sampling
def _furthest_point_loop(dist_from: Callable[[Tensor], Tensor], B: int,
                         N: int, num_points: int, dtype: torch.dtype,
                         device: torch.device) -> Tensor:
    """The furthest point sampling loop of mmcv's kernels: start at 0,
    then repeatedly take the point furthest from those taken (lowest index
    on ties). ``dist_from(old)`` gives the (B, N) distances of every point
    to the (B,) points ``old``."""
    out = torch.zeros(B, num_points, dtype=torch.int32, device=device)
    if num_points <= 0 or N == 0:
        return out
    temp = torch.full((B, N), 1e10, dtype=dtype, device=device)
    old = torch.zeros(B, dtype=torch.long, device=device)
    for j in range(1, num_points):
        torch.minimum(temp, dist_from(old), out=temp)
        old = temp.argmax(dim=1)  # first maximum: lowest index on ties
        out[:, j] = old.int()
    return out


def furthest_point_sample(points_xyz: Tensor, num_points: int) -> Tensor:
    """Iterative furthest point sampling (mmcv's
    ``furthest_point_sample``).

    Args:
        points_xyz (Tensor): (B, N, 3) points.
        num_points (int): Number of points to sample.

    Returns:
        Tensor: (B, num_points) int32 indices, starting with 0.
    """
    B, N = points_xyz.shape[:2]
    xyz = points_xyz.detach().float()
    batch = torch.arange(B, device=xyz.device)
    return _furthest_point_loop(
        lambda old: _sq_dist(xyz[batch, old].unsqueeze(1), xyz)[:, 0],
        B, N, num_points, xyz.dtype, xyz.device)


def furthest_point_sample_with_dist(points_dist: Tensor,
                                    num_points: int) -> Tensor:
    """Furthest point sampling on a given (B, N, N) distance matrix (mmcv's
    ``furthest_point_sample_with_dist``).

    Returns:
        Tensor: (B, num_points) int32 indices, starting with 0.
    """
    B, N, _ = points_dist.shape
    dist = points_dist.detach()
    batch = torch.arange(B, device=dist.device)
    return _furthest_point_loop(lambda old: dist[batch, old], B, N,
                                num_points, dist.dtype, dist.device)


# ------------------------------------------------------------- neighbours
def _ball_query_dense(min_radius: float, max_radius: float, sample_num: int,
                      xyz: Tensor, center_xyz: Tensor,
                      stacked: bool = False) -> Tensor:
    """(B, M, sample_num) int32 ball-query indices; ``stacked`` switches to
    the stacked kernel's rule (``d2 < max_r2`` only, -1 for an empty
    ball)."""
    B, M = center_xyz.shape[:2]
    N = xyz.shape[1]
    out = torch.zeros(B, M, sample_num, dtype=torch.int32,
                      device=xyz.device)
    if M == 0 or sample_num <= 0:
        return out
    if N == 0:
        if stacked:
            out[..., 0] = -1
        return out
    # mmcv squares the radii in float32.
    max_r2 = torch.tensor(max_radius, dtype=torch.float32) ** 2
    min_r2 = torch.tensor(min_radius, dtype=torch.float32) ** 2
    xyz, center_xyz = xyz.detach(), center_xyz.detach()
    order = torch.arange(N, device=xyz.device)
    k = min(sample_num, N)
    for start, stop in _chunks(center_xyz, xyz):
        d2 = _sq_dist(center_xyz[:, start:stop], xyz)  # (B, m, N)
        if d2.dtype == torch.half:  # the kernel compares with float radii
            d2 = d2.float()
        if stacked:
            inside = d2 < max_r2.to(d2.dtype)
        else:
            inside = (d2 == 0) | ((d2 >= min_r2.to(d2.dtype))
                                  & (d2 < max_r2.to(d2.dtype)))
        # The first k points inside, in index order.
        key = torch.where(inside, order, N)
        first = key.topk(k, dim=-1, largest=False, sorted=True)[0]
        found = first < N
        count = found.sum(-1, keepdim=True)
        head = torch.where(count > 0, first[..., :1], 0)
        idx = torch.where(found, first, head)
        chunk = out[:, start:stop]
        chunk[..., :k] = idx.int()
        chunk[..., k:] = head.int()
        if stacked:
            chunk[..., 0] = torch.where(count[..., 0] > 0,
                                        chunk[..., 0], -1)
    return out


def ball_query(min_radius: float,
               max_radius: float,
               sample_num: int,
               xyz: Tensor,
               center_xyz: Tensor,
               xyz_batch_cnt: Optional[Tensor] = None,
               center_xyz_batch_cnt: Optional[Tensor] = None) -> Tensor:
    """Ball query (mmcv's ``ball_query``).

    Args:
        min_radius (float): Inner radius (dense inputs only, as mmcv).
        max_radius (float): Outer radius (exclusive).
        sample_num (int): Points per ball.
        xyz (Tensor): (B, N, 3) points, or stacked (N1 + N2 ..., 3).
        center_xyz (Tensor): (B, M, 3) centres, or stacked (M1 + M2 ..., 3).
        xyz_batch_cnt (Tensor, optional): (B,) int32 N_b of stacked input.
        center_xyz_batch_cnt (Tensor, optional): (B,) int32 M_b.

    Returns:
        Tensor: (B, M, sample_num) or stacked (M, sample_num) int32
        indices (per sample, into that sample's points).
    """
    if min_radius >= max_radius:
        raise ValueError(f'ball_query: min_radius {min_radius} must be '
                         f'below max_radius {max_radius}')
    if xyz_batch_cnt is None and center_xyz_batch_cnt is None:
        return _ball_query_dense(min_radius, max_radius, sample_num, xyz,
                                 center_xyz)
    if xyz_batch_cnt is None or center_xyz_batch_cnt is None:
        raise ValueError('ball_query: stacked inputs need both '
                         'xyz_batch_cnt and center_xyz_batch_cnt')
    out = center_xyz.new_zeros((center_xyz.shape[0], sample_num),
                               dtype=torch.int32)
    n_off = m_off = 0
    for n_b, m_b in zip(xyz_batch_cnt.tolist(),
                        center_xyz_batch_cnt.tolist()):
        out[m_off:m_off + m_b] = _ball_query_dense(
            0.0, max_radius, sample_num, xyz[None, n_off:n_off + n_b],
            center_xyz[None, m_off:m_off + m_b], stacked=True)[0]
        n_off, m_off = n_off + n_b, m_off + m_b
    return out


def knn(k: int,
        xyz: Tensor,
        center_xyz: Optional[Tensor] = None,
        transposed: bool = False) -> Tensor:
    """k nearest neighbours (mmcv's ``knn``).

    Any number of channels works (mmdet3d's DGCNN searches in feature
    space); mmcv's kernel reads three per point.

    Args:
        k (int): Neighbours per centre, 0 < k < 100 as mmcv.
        xyz (Tensor): (B, N, C) points, (B, C, N) if ``transposed``.
        center_xyz (Tensor, optional): (B, M, C) centres (default ``xyz``).
        transposed (bool): Inputs are channels first.

    Returns:
        Tensor: (B, k, M) int32 indices, nearest first.
    """
    if not 0 < k < 100:
        raise ValueError(f'knn: k should be in range(0, 100), got {k}')
    if center_xyz is None:
        center_xyz = xyz
    if transposed:
        xyz = xyz.transpose(2, 1)
        center_xyz = center_xyz.transpose(2, 1)
    xyz, center_xyz = xyz.detach(), center_xyz.detach()
    B, M = center_xyz.shape[:2]
    N = xyz.shape[1]
    out = torch.zeros(B, M, k, dtype=torch.int32, device=xyz.device)
    kk = min(k, N)
    if kk > 0:
        for start, stop in _chunks(center_xyz, xyz):
            d2 = _sq_dist(center_xyz[:, start:stop], xyz)
            out[:, start:stop, :kk] = _smallest_k(d2, kk)[1].int()
    return out.transpose(2, 1).contiguous()


def three_nn(target: Tensor, source: Tensor) -> Tuple[Tensor, Tensor]:
    """Three nearest neighbours (mmcv's ``three_nn``).

    Args:
        target (Tensor): (B, N, 3) points to interpolate at.
        source (Tensor): (B, M, 3) points with features.

    Returns:
        tuple: (B, N, 3) distances (not squared) and (B, N, 3) int32
        indices into ``source``.
    """
    target, source = target.detach(), source.detach()
    B, N = target.shape[:2]
    M = source.shape[1]
    dist = torch.full((B, N, 3), float('inf'), dtype=target.dtype,
                      device=target.device)
    idx = torch.zeros(B, N, 3, dtype=torch.int32, device=target.device)
    kk = min(3, M)
    if kk > 0:
        for start, stop in _chunks(target, source):
            d2 = _sq_dist(target[:, start:stop], source)
            val, ind = _smallest_k(d2, kk)
            dist[:, start:stop, :kk] = val.sqrt()
            idx[:, start:stop, :kk] = ind.int()
    return dist, idx


# --------------------------------------------------------------- gathering
def grouping_operation(features: Tensor,
                       indices: Tensor,
                       features_batch_cnt: Optional[Tensor] = None,
                       indices_batch_cnt: Optional[Tensor] = None) -> Tensor:
    """Group features by neighbour indices (mmcv's ``grouping_operation``).

    Args:
        features (Tensor): (B, C, N), or stacked (N1 + N2 ..., C).
        indices (Tensor): (B, M, K) indices into N, or stacked
            (M1 + M2 ..., K) indices into each sample's points.
        features_batch_cnt, indices_batch_cnt (Tensor, optional): (B,)
            counts of stacked inputs.

    Returns:
        Tensor: (B, C, M, K), or stacked (M, C, K); gradient to
        ``features``. Stacked indices outside their sample (the ``-1`` of
        an empty ball, which mmdet3d replaces before grouping) give zeros;
        mmcv's kernel reads a neighbouring sample's memory for them.
    """
    if features_batch_cnt is None and indices_batch_cnt is None:
        B, C, _ = features.shape
        _, M, K = indices.shape
        flat = indices.reshape(B, 1, M * K).long().expand(B, C, M * K)
        return features.gather(2, flat).reshape(B, C, M, K)
    n_cnt = features_batch_cnt.long()
    n_start = torch.cumsum(n_cnt, 0) - n_cnt
    batch = torch.repeat_interleave(
        torch.arange(len(n_cnt), device=indices.device),
        indices_batch_cnt.long().to(indices.device))
    local = indices.long()
    valid = (local >= 0) & (local < n_cnt.to(indices.device)[batch, None])
    glob = (local.clamp_min(0) + n_start.to(indices.device)[batch, None])
    glob = torch.where(valid, glob, 0)
    out = features[glob]  # (M, K, C)
    out = out * valid.unsqueeze(-1).to(out.dtype)
    return out.permute(0, 2, 1).contiguous()


def gather_points(features: Tensor, indices: Tensor) -> Tensor:
    """Gather point features (mmcv's ``gather_points``).

    Args:
        features (Tensor): (B, C, N).
        indices (Tensor): (B, M) indices into N.

    Returns:
        Tensor: (B, C, M); gradient to ``features``.
    """
    B, C, _ = features.shape
    M = indices.shape[1]
    return features.gather(2, indices.long().reshape(B, 1, M).expand(B, C, M))


def three_interpolate(features: Tensor, indices: Tensor,
                      weight: Tensor) -> Tensor:
    """Weighted sum of three neighbours' features (mmcv's
    ``three_interpolate``).

    Args:
        features (Tensor): (B, C, M) source features.
        indices (Tensor): (B, N, 3) indices into M.
        weight (Tensor): (B, N, 3) weights (no gradient, as mmcv).

    Returns:
        Tensor: (B, C, N); gradient to ``features``.
    """
    B, C, _ = features.shape
    N = indices.shape[1]
    idx = indices.long()
    w = weight.detach().to(features.dtype)
    out = None
    # One (B, C, N) gather per neighbour, not a (B, C, N, 3) tensor.
    for j in range(3):
        nb = features.gather(2, idx[..., j].unsqueeze(1).expand(B, C, N))
        term = nb * w[..., j].unsqueeze(1)
        out = term if out is None else out + term
    return out
