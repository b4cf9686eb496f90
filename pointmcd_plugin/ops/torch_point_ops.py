"""Torch implementations of mmcv's point ops, with mmcv's signatures.

mmcv 2.1.0 ships these ops as CUDA kernels only (``mmcv.ops.ball_query``
raises "implementation for device cpu not found" on CPU tensors, and
``furthest_point_sample`` / ``knn`` allocate CUDA tensors outright), so
mmdet3d's point models cannot run on a CPU. The functions here take and
return what mmcv's take and return (shapes, int32 indices, sqrt distances
of ``three_nn``, (B, k, M) ``knn``) and follow the kernels' rules
(mmcv/ops/csrc/common/cuda/*_kernel.cuh), including short balls and exact
ties. Where CPU and GPU can still differ, it is said here precisely:

* ``furthest_point_sample`` (and ``_with_dist``): starts at index 0 and
  picks exactly what the kernel picks among equally far points, a fixed
  rule that depends on N only. The kernel runs one block of
  ``T = max(min(2 ** floor(log2 N), 1024), 1)`` threads per cloud
  (mmcv's ``opt_n_threads``); thread ``t`` scans points ``t, t + T, ...``
  keeping the first of its maxima, and a shared-memory tree reduction
  (halves ``T/2, T/4, ..., 1``, the lower slot winning ties) joins the
  threads. So of the tied points the one with the smallest key
  ``(bitreverse(k mod T), k // T)`` wins (bit-reversed over ``log2 T``
  bits): :func:`fps_tie_order`. The torch loop runs on the points in that
  order with a first-maximum ``argmax``, which is the same choice.
* ``ball_query``: the first ``sample_num`` points in index order with
  ``d2 == 0 or min_r2 <= d2 < max_r2``; a short ball repeats its first
  point, an empty one is all zeros (stacked inputs: ``-1`` first, as the
  stacked kernel). Identical to the kernel's rule.
* ``three_nn``: ascending distance, ties by lowest index (the kernel's
  strict ``<`` scan in index order); fewer than three sources leave index
  0 and distance inf, as the kernel. Identical to the kernel's rule.
* ``knn``: the k smallest distances, ascending, ties by lowest index;
  fewer candidates than asked leave index 0, as the kernel. The distances
  returned in each position agree with the kernel's (up to rounding, see
  below); the indices can differ only among points at equal distances
  (exactly, or within that rounding). The kernel keeps a max-heap of k
  per centre (one thread per centre scans the points in index order; a
  point enters only if strictly nearer than the heap's root, i.e. the
  current k-th; sift-down swaps on equal keys; a heap sort orders the
  result), so (a) its order among
  equally distant neighbours and (b) which of several points tied at the
  k-th distance it keeps follow that heap's history: deterministic, but not
  lowest index. E.g. k = 2 and distances ``(v, v, u)``, ``u < v``: the
  kernel keeps ``(2, 1)``, this function ``(2, 0)``; on a shuffled
  4 x 4 x 4 integer grid with k = 7 (against a simulation of the kernel,
  tests/test_ops/test_torch_point_ops.py) the distances agree in every
  position, the order of the indices in no row, the set in 23 of 64.
  (Reproducing it would take the sequential heap, N dependent steps; not
  done.)
* ``grouping_operation``, ``gather_points``, ``three_interpolate``: the
  gradient flows to ``features`` only, as in mmcv (``three_interpolate``'s
  weights get none). ``*_backward`` are the explicit gradients the
  CPU path of mmcv's autograd Functions uses (:mod:`.mmcv_cpu`).

Distances: ``ball_query``, ``three_nn`` and furthest point sampling sum
squared coordinate differences in the kernels' order
(``dx*dx + dy*dy + dz*dz``), so radius and sampling decisions match a
brute force of the kernels' rule bit for bit (nvcc may fuse the kernels'
arithmetic into FMAs, so bitwise equality with a GPU is not promised
there). ``knn``, which also runs in feature space (DGCNN, 64 and more
channels, where differences cost a pass over the (B, M, N) tensor per
channel: 17x slower at 64 channels, ``tools/benchmark_point_ops.py``),
uses :func:`pairwise_sq_dist`, ``|q|^2 - 2 q.s + |s|^2`` in one GEMM, in
float32 at least: exact on integer (quantised) coordinates, otherwise
within float32 rounding of ``|q|^2 + |s|^2`` of the kernel's value, so
near-ties closer than that may order differently from the GPU. Pairwise
work is chunked to bound memory.

These run for CPU tensors under mmcv's own autograd Functions
(:mod:`.mmcv_cpu`); :func:`pointmcd_plugin.ops.knn` (the plugin's DGCNN)
calls :func:`knn_indices` here.
"""
import contextlib
import functools
import math
from typing import Callable, Optional, Tuple

import torch
from torch import Tensor

# Elements of a (B, rows, N) distance tensor computed at once.
_CHUNK_ELEMS = 1 << 23


def _sq_dist(query: Tensor, support: Tensor) -> Tensor:
    """(B, M, N) squared distances, summed over channels in order
    (``dx*dx + dy*dy + dz*dz`` for points), one channel at a time: the
    kernels' arithmetic, for ball query, three_nn and sampling.

    Args:
        query (Tensor): (B, M, C) points.
        support (Tensor): (B, N, C) points.
    """
    out = None
    for c in range(query.shape[-1]):
        d = query[..., c].unsqueeze(2) - support[..., c].unsqueeze(1)
        out = d.mul_(d) if out is None else out.addcmul_(d, d)
    return out


def _no_autocast(device: torch.device):
    """Autocast off for ``device`` (it would run the distance GEMM in half
    precision)."""
    if device.type in ('cpu', 'cuda'):
        return torch.autocast(device_type=device.type, enabled=False)
    return contextlib.nullcontext()


def pairwise_sq_dist(query: Tensor, support: Tensor) -> Tensor:
    """Squared euclidean distances between two point sets, the one formula
    of the kNN: ``|q|^2 - 2 q.s + |s|^2`` as a single GEMM of the augmented
    points ``[-2q, |q|^2, 1]`` and ``[s, 1, |s|^2]``, clamped at 0.

    Computed in float32 (float64 stays float64), autocast off. Exact when
    the coordinates are small integers; otherwise within float32 rounding
    of ``|q|^2 + |s|^2``. Differentiable.

    Args:
        query (Tensor): (B, M, C) points.
        support (Tensor): (B, N, C) points.

    Returns:
        Tensor: (B, M, N) squared distances.
    """
    dtype = torch.promote_types(query.dtype, torch.float32)
    with _no_autocast(query.device):
        q, s = query.to(dtype), support.to(dtype)
        qn = q.pow(2).sum(-1, keepdim=True)
        sn = s.pow(2).sum(-1, keepdim=True)
        qa = torch.cat([q * -2, qn, torch.ones_like(qn)], dim=-1)
        sa = torch.cat([s, torch.ones_like(sn), sn], dim=-1)
        return torch.bmm(qa, sa.transpose(1, 2)).clamp_min_(0)


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

    ``torch.topk`` picks among equal values in no defined order. One
    ``topk`` of k + 1 finds the rows with a tie among the k smallest or at
    the k-th (an equal (k+1)-th); only those rows are redone by
    :func:`_smallest_k_ties`.

    Args:
        dist (Tensor): (..., N) values, k <= N.

    Returns:
        tuple: (..., k) values and int64 indices.
    """
    n = dist.shape[-1]
    val, idx = dist.topk(min(k + 1, n), dim=-1, largest=False, sorted=True)
    tied = (val[..., 1:] == val[..., :-1]).any(-1)
    val, idx = val[..., :k], idx[..., :k]
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


def knn_indices(k: int, support: Tensor,
                query: Optional[Tensor] = None) -> Tensor:
    """The kNN of this package: indices of the k nearest support points of
    every query point, by :func:`pairwise_sq_dist`, ascending, ties by
    lowest index; any number of channels; chunked over query rows; no
    gradient.

    Args:
        k (int): Neighbours, ``0 <= k <= N``.
        support (Tensor): (B, N, C) points.
        query (Tensor, optional): (B, M, C) points (default ``support``).

    Returns:
        Tensor: (B, M, k) int64 indices into ``support``, nearest first.
    """
    if query is None:
        query = support
    support, query = support.detach(), query.detach()
    B, M = query.shape[:2]
    out = torch.zeros(B, M, k, dtype=torch.long, device=query.device)
    if k <= 0 or M == 0:
        return out
    for start, stop in _chunks(query, support):
        d2 = pairwise_sq_dist(query[:, start:stop], support)
        out[:, start:stop] = _smallest_k(d2, k)[1]
    return out


# --------------------------------------------------------------- sampling
def fps_block_size(n: int) -> int:
    """Threads per block of mmcv's furthest point sampling launch for ``n``
    points: ``opt_n_threads`` of furthest_point_sample_cuda.cu, the same
    double-precision ``log(n) / log(2)`` truncated to an int."""
    if n <= 0:
        return 1
    pow_2 = int(math.log(float(n)) / math.log(2.0))
    return max(min(1 << pow_2, 1024), 1)


@functools.lru_cache(maxsize=64)
def _fps_tie_order_cpu(n: int) -> Tensor:
    T = fps_block_size(n)
    bits = T.bit_length() - 1
    k = torch.arange(n)
    t = k % T
    rev = torch.zeros_like(t)
    for b in range(bits):
        rev |= ((t >> b) & 1) << (bits - 1 - b)
    per_thread = -(-n // T)
    return torch.argsort(rev * per_thread + k // T)


def fps_tie_order(n: int, device=None) -> Tensor:
    """The furthest point sampling kernel's preference among equally far
    points of an ``n``-point cloud, most preferred first: (n,) int64
    indices sorted by ``(bitreverse(k mod T), k // T)`` with ``T =
    fps_block_size(n)`` (see the module docstring). Index 0 comes first."""
    return _fps_tie_order_cpu(int(n)).to(device)


def _furthest_point_loop(dist_from: Callable[[Tensor], Tensor], B: int,
                         N: int, num_points: int, dtype: torch.dtype,
                         device: torch.device) -> Tensor:
    """The furthest point sampling loop of mmcv's kernels, on points in
    :func:`fps_tie_order` (positions): start at 0, then repeatedly take the
    point furthest from those taken, the first in that order on ties.
    ``dist_from(old)`` gives the (B, N) distances, in that order, of every
    point to the (B,) points at positions ``old``. Returns positions."""
    out = torch.zeros(B, num_points, dtype=torch.long, device=device)
    if num_points <= 0 or N == 0:
        return out
    temp = torch.full((B, N), 1e10, dtype=dtype, device=device)
    old = torch.zeros(B, dtype=torch.long, device=device)
    for j in range(1, num_points):
        torch.minimum(temp, dist_from(old), out=temp)
        old = temp.argmax(dim=1)  # the first maximum (documented)
        out[:, j] = old
    return out


def furthest_point_sample(points_xyz: Tensor, num_points: int) -> Tensor:
    """Iterative furthest point sampling (mmcv's
    ``furthest_point_sample``), with the kernel's choice among equally far
    points (module docstring).

    Args:
        points_xyz (Tensor): (B, N, 3) points.
        num_points (int): Number of points to sample.

    Returns:
        Tensor: (B, num_points) int32 indices, starting with 0.
    """
    B, N = points_xyz.shape[:2]
    order = fps_tie_order(N, points_xyz.device)
    xyz = points_xyz.detach().float()[:, order]
    batch = torch.arange(B, device=xyz.device)
    pos = _furthest_point_loop(
        lambda old: _sq_dist(xyz[batch, old].unsqueeze(1), xyz)[:, 0],
        B, N, num_points, xyz.dtype, xyz.device)
    return order[pos].int()


def furthest_point_sample_with_dist(points_dist: Tensor,
                                    num_points: int) -> Tensor:
    """Furthest point sampling on a given (B, N, N) distance matrix (mmcv's
    ``furthest_point_sample_with_dist``), with the kernel's choice among
    equally far points (module docstring).

    Returns:
        Tensor: (B, num_points) int32 indices, starting with 0.
    """
    B, N, _ = points_dist.shape
    order = fps_tie_order(N, points_dist.device)
    dist = points_dist.detach()
    batch = torch.arange(B, device=dist.device)
    pos = _furthest_point_loop(lambda old: dist[batch, order[old]][:, order],
                               B, N, num_points, dist.dtype, dist.device)
    return order[pos].int()


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
    """k nearest neighbours (mmcv's ``knn``): :func:`knn_indices` in mmcv's
    layout. Ties: see the module docstring.

    Any number of channels works (mmdet3d's DGCNN searches in feature
    space); mmcv's kernel reads three per point.

    Args:
        k (int): Neighbours per centre, 0 < k < 100 as mmcv.
        xyz (Tensor): (B, N, C) points, (B, C, N) if ``transposed``.
        center_xyz (Tensor, optional): (B, M, C) centres (default ``xyz``).
        transposed (bool): Inputs are channels first.

    Returns:
        Tensor: (B, k, M) int32 indices, nearest first; index 0 where
        there are fewer than k points.
    """
    if not 0 < k < 100:
        raise ValueError(f'knn: k should be in range(0, 100), got {k}')
    if center_xyz is None:
        center_xyz = xyz
    if transposed:
        xyz = xyz.transpose(2, 1)
        center_xyz = center_xyz.transpose(2, 1)
    B, M = center_xyz.shape[:2]
    out = torch.zeros(B, M, k, dtype=torch.int32, device=xyz.device)
    kk = min(k, xyz.shape[1])
    if kk > 0:
        out[..., :kk] = knn_indices(kk, xyz, center_xyz).int()
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
def _stacked_index(indices: Tensor, features_batch_cnt: Tensor,
                   indices_batch_cnt: Tensor) -> Tuple[Tensor, Tensor]:
    """Global row of every stacked (M, K) index and whether it lies inside
    its sample."""
    n_cnt = features_batch_cnt.long().to(indices.device)
    n_start = torch.cumsum(n_cnt, 0) - n_cnt
    batch = torch.repeat_interleave(
        torch.arange(len(n_cnt), device=indices.device),
        indices_batch_cnt.long().to(indices.device))
    local = indices.long()
    valid = (local >= 0) & (local < n_cnt[batch, None])
    glob = torch.where(valid, local.clamp_min(0) + n_start[batch, None], 0)
    return glob, valid


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
    glob, valid = _stacked_index(indices, features_batch_cnt,
                                 indices_batch_cnt)
    out = features[glob]  # (M, K, C)
    out = out * valid.unsqueeze(-1).to(out.dtype)
    return out.permute(0, 2, 1).contiguous()


def grouping_operation_backward(
        grad_out: Tensor,
        indices: Tensor,
        num_features: int,
        features_batch_cnt: Optional[Tensor] = None,
        indices_batch_cnt: Optional[Tensor] = None) -> Tensor:
    """Gradient of :func:`grouping_operation` to ``features``: (B, C, N)
    from a (B, C, M, K) ``grad_out``, or (N, C) from a stacked (M, C, K)
    one (``num_features`` is N)."""
    if features_batch_cnt is None and indices_batch_cnt is None:
        B, C, M, K = grad_out.shape
        flat = indices.reshape(B, 1, M * K).long().expand(B, C, M * K)
        return grad_out.new_zeros(B, C, num_features).scatter_add_(
            2, flat, grad_out.reshape(B, C, M * K))
    M, C, K = grad_out.shape
    glob, valid = _stacked_index(indices, features_batch_cnt,
                                 indices_batch_cnt)
    g = grad_out.permute(0, 2, 1) * valid.unsqueeze(-1).to(grad_out.dtype)
    return grad_out.new_zeros(num_features, C).index_add_(
        0, glob.reshape(-1), g.reshape(M * K, C))


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


def gather_points_backward(grad_out: Tensor, indices: Tensor,
                           num_features: int) -> Tensor:
    """Gradient of :func:`gather_points` to ``features``: (B, C, N) from a
    (B, C, M) ``grad_out``."""
    B, C, M = grad_out.shape
    return grad_out.new_zeros(B, C, num_features).scatter_add_(
        2, indices.long().reshape(B, 1, M).expand(B, C, M), grad_out)


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


def three_interpolate_backward(grad_out: Tensor, indices: Tensor,
                               weight: Tensor, num_features: int) -> Tensor:
    """Gradient of :func:`three_interpolate` to ``features``: (B, C, M)
    from a (B, C, N) ``grad_out`` (``num_features`` is M)."""
    B, C, N = grad_out.shape
    idx = indices.long()
    w = weight.detach().to(grad_out.dtype)
    grad = grad_out.new_zeros(B, C, num_features)
    for j in range(3):
        grad.scatter_add_(2, idx[..., j].unsqueeze(1).expand(B, C, N),
                          grad_out * w[..., j].unsqueeze(1))
    return grad
