"""The torch paths of mmcv's point ops equal brute force (the kernels'
algorithms written as plain loops, down to the furthest point sampling
kernel's threads and tree reduction), have mmcv's gradients, and equal
mmcv's CUDA kernels on a GPU. Where the torch path knowingly differs from
a kernel (knn's order among exactly equal distances), the difference is
pinned down against a simulation of the kernel's heap."""
import itertools
import math

import numpy as np
import pytest
import torch

from pointmcd_plugin.ops import torch_point_ops as T
from pointmcd_plugin.ops.dispatch import mmcv_cuda_ops_available


def _d2(a, b):
    """Squared distance in float32, in the kernels' order."""
    d = (a - b).astype(np.float32)
    return np.float32(np.float32(d[0] * d[0] + d[1] * d[1]) + d[2] * d[2])


# ------------------------------------------------------------ references
def _opt_n_threads(n):
    """furthest_point_sample_cuda.cu's block size."""
    pow_2 = int(math.log(float(n)) / math.log(2.0))
    return max(min(1 << pow_2, 1024), 1)


def _fps_kernel(dist_to, n, m):
    """mmcv's furthest_point_sampling(_with_dist)_forward_cuda_kernel for
    one cloud, thread by thread: ``dist_to(old, k)`` is the float32
    distance of point k to point old."""
    block = _opt_n_threads(n)
    temp = [np.float32(1e10)] * n
    old, out = 0, [0]
    for _ in range(1, m):
        dists, dists_i = [None] * block, [None] * block
        for tid in range(block):  # every thread's strided scan
            best, besti = np.float32(-1), 0
            for k in range(tid, n, block):
                d2 = min(dist_to(old, k), temp[k])
                temp[k] = d2
                besti = k if d2 > best else besti
                best = d2 if d2 > best else best
            dists[tid], dists_i[tid] = best, besti
        thres = 1024  # the shared-memory reduction, __update by __update
        while thres >= 2:
            half = thres // 2
            if block >= thres:
                for tid in range(half):
                    v1, v2 = dists[tid], dists[tid + half]
                    i1, i2 = dists_i[tid], dists_i[tid + half]
                    dists[tid] = max(v1, v2)
                    dists_i[tid] = i2 if v2 > v1 else i1
            thres //= 2
        old = dists_i[0]
        out.append(old)
    return out


def fps_ref(xyz, m):
    xyz = np.asarray(xyz, np.float32)
    return _fps_kernel(lambda old, k: _d2(xyz[k], xyz[old]), len(xyz), m)


def fps_dist_ref(dist, m):
    dist = np.asarray(dist, np.float32)
    return _fps_kernel(lambda old, k: dist[old, k], len(dist), m)


def fps_lowest_index_ref(xyz, m):
    """The torch path's former rule: lowest index among equally far."""
    xyz = np.asarray(xyz, np.float32)
    temp = np.full(len(xyz), 1e10, np.float32)
    out, old = [0], 0
    for _ in range(1, m):
        temp = np.minimum(temp, [_d2(p, xyz[old]) for p in xyz])
        old = int(np.argmax(temp))
        out.append(old)
    return out


def knn_kernel_ref(query, support, k):
    """mmcv's knn_forward_cuda_kernel for one centre: the max-heap of k,
    filled in index order, then heap-sorted. (indices, squared distances),
    nearest first."""
    dist, idx = [np.float32(1e10)] * k, [0] * k

    def reheap(size):
        root, child = 0, 1
        while child < size:
            if child + 1 < size and dist[child + 1] > dist[child]:
                child += 1
            if dist[root] > dist[child]:
                return
            dist[root], dist[child] = dist[child], dist[root]
            idx[root], idx[child] = idx[child], idx[root]
            root, child = child, 2 * child + 1

    for i, p in enumerate(support):
        d2 = _d2(query, p)
        if d2 < dist[0]:
            dist[0], idx[0] = d2, i
            reheap(k)
    for i in range(k - 1, 0, -1):
        dist[0], dist[i] = dist[i], dist[0]
        idx[0], idx[i] = idx[i], idx[0]
        reheap(i)
    return idx, dist


def _grid(*sizes):
    """An integer grid in itertools.product order: exact distances, many
    exact ties."""
    return torch.tensor(list(itertools.product(*map(range, sizes))),
                        dtype=torch.float32)


def ball_query_ref(rmin, rmax, ns, xyz, centers):
    rmin2, rmax2 = np.float32(rmin) ** 2, np.float32(rmax) ** 2
    out = np.zeros((len(centers), ns), np.int32)
    for i, c in enumerate(centers):
        cnt = 0
        for k, p in enumerate(xyz):
            d2 = _d2(c, p)
            if d2 == 0 or (rmin2 <= d2 < rmax2):
                if cnt == 0:
                    out[i, :] = k
                out[i, cnt] = k
                cnt += 1
                if cnt >= ns:
                    break
    return out


def nearest_ref(query, support, k):
    """(M, k) indices and squared distances, ascending, ties by index."""
    idx, dist = [], []
    for q in query:
        d = np.array([_d2(q, p) for p in support], np.float32)
        order = np.lexsort((np.arange(len(d)), d))[:k]
        idx.append(order)
        dist.append(d[order])
    return np.array(idx), np.array(dist)


def _cloud(b, n, seed, dup=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(b, n, 3, generator=g)
    if dup:  # exact duplicates and an exact tie pattern
        x[:, -dup:] = x[:, :dup]
    return x


# ----------------------------------------------------------------- tests
@pytest.mark.parametrize('dup', [0, 8])
def test_furthest_point_sample_equals_brute_force(dup):
    xyz = _cloud(2, 64, 0, dup)
    idx = T.furthest_point_sample(xyz, 20)
    assert idx.dtype == torch.int32 and idx.shape == (2, 20)
    for b in range(2):
        assert idx[b].tolist() == fps_ref(xyz[b].numpy(), 20)
    assert (idx[:, 0] == 0).all()


def test_fps_block_size_is_mmcvs_launch():
    assert [T.fps_block_size(n) for n in (1, 2, 3, 63, 64, 65, 1023, 1024,
                                          1025, 5000)] == \
        [1, 2, 2, 32, 64, 64, 512, 1024, 1024, 1024]
    for n in range(1, 2100):
        assert T.fps_block_size(n) == _opt_n_threads(n)
    # The tie order: a permutation starting at 0, by (bitrev(k % T), k // T).
    assert T.fps_tie_order(5).tolist() == [0, 4, 2, 1, 3]  # T = 4
    assert T.fps_tie_order(8).tolist() == [0, 4, 2, 6, 1, 5, 3, 7]
    order = T.fps_tie_order(1100)
    assert sorted(order.tolist()) == list(range(1100))


@pytest.mark.parametrize('cloud', ['grid444', 'grid554', 'ints37',
                                   'ints200', 'ints1100'])
def test_furthest_point_sample_exact_ties_follow_the_kernel(cloud):
    """Quantised clouds, where many points are equally far: the torch path
    picks what mmcv's kernel picks (its threads' strided scans and its
    tree reduction, simulated above), not the lowest index."""
    if cloud.startswith('grid'):
        xyz = _grid(*map(int, cloud[4:]))
    else:
        n = int(cloud[4:])
        xyz = torch.randint(0, 4, (n, 3),
                            generator=torch.Generator().manual_seed(n)).float()
    m = 12 if len(xyz) > 1000 else min(48, len(xyz))
    ref = fps_ref(xyz.numpy(), m)
    assert T.furthest_point_sample(xyz[None], m)[0].tolist() == ref
    dist = ((xyz[:, None] - xyz[None]) ** 2).sum(-1)  # exact: integers
    assert T.furthest_point_sample_with_dist(dist[None], m)[0].tolist() == \
        ref
    if cloud == 'grid444':  # the rule matters: lowest-index differs
        low = fps_lowest_index_ref(xyz.numpy(), m)
        assert sum(a != b for a, b in zip(ref, low)) > 30


def test_furthest_point_sample_small_tie_cases():
    # Corners of a square around point 0, equally far: N = 5 runs 4
    # threads; thread 0 holds points 0 and 4 and wins the reduction.
    xyz = torch.tensor([[[0., 0, 0], [1, 0, 0], [0, 1, 0], [-1, 0, 0],
                         [0, -1, 0]]])
    assert T.furthest_point_sample(xyz, 2).tolist() == [[0, 4]]
    assert fps_ref(xyz[0].numpy(), 2) == [0, 4]
    # Points 1 and 2 are equally far from 0 (4 threads: 2 beats 1); then
    # 1, then 3; with every point taken all are at 0: index 0 again.
    dist = torch.tensor([[[0., 4, 4, 1], [4, 0, 9, 9], [4, 9, 0, 9],
                          [1, 9, 9, 0]]])
    assert T.furthest_point_sample_with_dist(dist, 6).tolist() == \
        [[0, 2, 1, 3, 0, 0]] == [fps_dist_ref(dist[0].numpy(), 6)]
    xyz = torch.tensor([[[0., 0, 0], [1, 0, 0], [2, 0, 0]]])
    assert T.furthest_point_sample(xyz, 5).tolist() == [[0, 2, 1, 0, 0]]


def test_furthest_point_sample_with_dist_equals_brute_force():
    xyz = _cloud(2, 40, 1)
    dist = torch.cdist(xyz, xyz) ** 2
    idx = T.furthest_point_sample_with_dist(dist, 10)
    for b in range(2):
        assert idx[b].tolist() == fps_dist_ref(dist[b].numpy(), 10)


@pytest.mark.parametrize('rmin,rmax,ns', [(0., 0.2, 8), (0.1, 0.3, 16),
                                          (0., 0.05, 4)])
def test_ball_query_equals_brute_force(rmin, rmax, ns):
    xyz = _cloud(2, 80, 2, dup=4)
    centers = xyz[:, ::5].contiguous()
    idx = T.ball_query(rmin, rmax, ns, xyz, centers)
    assert idx.dtype == torch.int32 and idx.shape == (2, 16, ns)
    for b in range(2):
        np.testing.assert_array_equal(
            idx[b].numpy(), ball_query_ref(rmin, rmax, ns, xyz[b].numpy(),
                                           centers[b].numpy()))


def test_ball_query_boundary_short_and_empty_balls():
    # Point 1 lies exactly on the radius (excluded), point 2 inside, the
    # centre itself (d2 == 0) is kept even with min_radius > 0.
    xyz = torch.tensor([[[0., 0, 0], [0.5, 0, 0], [0.25, 0, 0]]])
    center = torch.tensor([[[0., 0, 0], [9., 9, 9]]])
    idx = T.ball_query(0.2, 0.5, 4, xyz, center)
    assert idx.tolist() == [[[0, 2, 0, 0], [0, 0, 0, 0]]]


def stacked_ball_query_ref(rmax, ns, xyz, centers, xyz_cnt, c_cnt):
    """The stacked kernel's rule: d2 < r^2 only, -1 first when empty."""
    out = np.zeros((len(centers), ns), np.int32)
    n_start = np.concatenate([[0], np.cumsum(xyz_cnt)])
    batch = np.repeat(np.arange(len(c_cnt)), c_cnt)
    for i, c in enumerate(centers):
        pts = xyz[n_start[batch[i]]:n_start[batch[i] + 1]]
        cnt = 0
        for k, p in enumerate(pts):
            if _d2(c, p) < np.float32(rmax) ** 2:
                if cnt == 0:
                    out[i, :] = k
                out[i, cnt] = k
                cnt += 1
                if cnt >= ns:
                    break
        if cnt == 0:
            out[i, 0] = -1
    return out


def test_stacked_ball_query_and_grouping():
    xyz = _cloud(1, 30, 3)[0]
    centers = xyz[::3].contiguous()
    xyz_cnt = torch.tensor([12, 18], dtype=torch.int32)
    c_cnt = torch.tensor([4, 6], dtype=torch.int32)
    far = torch.full((1, 3), 50.)
    centers = torch.cat([centers, far])  # an empty ball in sample 1
    c_cnt[1] += 1
    idx = T.ball_query(0., 0.3, 5, xyz, centers, xyz_cnt, c_cnt)
    np.testing.assert_array_equal(
        idx.numpy(), stacked_ball_query_ref(0.3, 5, xyz.numpy(),
                                            centers.numpy(), [12, 18],
                                            [4, 7]))
    with pytest.raises(ValueError, match='both'):
        T.ball_query(0., 0.3, 5, xyz, centers, xyz_cnt, None)
    dense0 = T.ball_query(0., 0.3, 5, xyz[None, :12], centers[None, :4])[0]
    dense1 = T.ball_query(0., 0.3, 5, xyz[None, 12:], centers[None, 4:])[0]
    np.testing.assert_array_equal(idx[:4].numpy(), dense0.numpy())
    np.testing.assert_array_equal(idx[4:-1].numpy(), dense1[:-1].numpy())
    assert idx[-1].tolist() == [-1, 0, 0, 0, 0]
    feats = torch.randn(30, 7)
    grouped = T.grouping_operation(feats, idx, xyz_cnt, c_cnt)
    assert grouped.shape == (11, 7, 5)
    starts = [0] * 4 + [12] * 7
    for m in range(10):
        for s in range(5):
            torch.testing.assert_close(
                grouped[m, :, s], feats[starts[m] + idx[m, s]])
    assert (grouped[-1, :, 0] == 0).all()


def _kernel_order_d2(query, support, idx):
    """(M, k) float32 kernel-order squared distances of chosen indices."""
    return np.array([[_d2(q, support[i]) for i in row]
                     for q, row in zip(query, idx)], np.float32)


@pytest.mark.parametrize('k,transposed', [(1, False), (7, False),
                                          (12, True)])
def test_knn_equals_brute_force(k, transposed):
    xyz = _cloud(2, 50, 4, dup=6)
    centers = xyz[:, :20].contiguous()
    a, c = (xyz.transpose(1, 2), centers.transpose(1, 2)) if transposed \
        else (xyz, centers)
    idx = T.knn(k, a.contiguous(), c.contiguous(), transposed)
    assert idx.dtype == torch.int32 and idx.shape == (2, k, 20)
    for b in range(2):
        ref, ref_d = nearest_ref(centers[b].numpy(), xyz[b].numpy(), k)
        got = idx[b].T.numpy()
        # The k nearest by distance, in order (one GEMM of distances:
        # float32 rounding away from the kernel's arithmetic).
        np.testing.assert_allclose(
            _kernel_order_d2(centers[b].numpy(), xyz[b].numpy(), got),
            ref_d, rtol=1e-5, atol=1e-6)
        # Same indices wherever no other point is within rounding.
        d_all = np.array([[_d2(q, p) for p in xyz[b].numpy()]
                          for q in centers[b].numpy()])
        gap = np.sort(d_all, -1)
        clear = (np.diff(gap[:, :k + 1], axis=-1) > 1e-5).all(-1)
        np.testing.assert_array_equal(got[clear], ref[clear])


def test_knn_exact_on_integer_grid_ties_by_index():
    # Integer coordinates: the distance GEMM is exact, every tie is exact,
    # and ties go to the lowest index, in order.
    xyz = _grid(4, 4, 4)
    idx = T.knn(10, xyz[None])[0].T.numpy()
    ref, _ = nearest_ref(xyz.numpy(), xyz.numpy(), 10)
    np.testing.assert_array_equal(idx, ref)


def test_knn_ties_against_the_kernels_heap():
    """Documented difference: on exact ties mmcv's heap keeps and orders
    points by its history, the torch path by index; the distances in every
    position agree."""
    xyz = _grid(4, 4, 4)
    xyz = xyz[torch.randperm(64, generator=torch.Generator().manual_seed(0))]
    got = T.knn(7, xyz[None])[0].T.numpy()
    same_set = 0
    for m, q in enumerate(xyz.numpy()):
        k_idx, k_d = knn_kernel_ref(q, xyz.numpy(), 7)
        got_d = [_d2(q, xyz[i].numpy()) for i in got[m]]
        assert got_d == k_d  # exactly, position by position
        assert list(got[m]) != k_idx  # the order among equals differs
        below = [i for i, d in zip(k_idx, k_d) if d < k_d[-1]]
        assert set(below) <= set(got[m])  # all strictly nearer: the same
        same_set += set(got[m]) == set(k_idx)
    # Which of the points at the 7th distance are kept differs too.
    assert 0 < same_set < 64
    # The docstring's example: k = 2, distances (v, v, u) with u < v.
    pts = torch.tensor([[1., 0, 0], [0, 1, 0], [0, 0, 0.5]])
    q = torch.zeros(1, 3)
    assert knn_kernel_ref(q[0].numpy(), pts.numpy(), 2)[0] == [2, 1]
    assert T.knn(2, pts[None], q[None])[0, :, 0].tolist() == [2, 0]


def test_pairwise_sq_dist_is_the_one_knn_formula():
    g = torch.Generator().manual_seed(3)
    q, s = torch.randn(2, 30, 5, generator=g), torch.randn(2, 40, 5,
                                                           generator=g)
    ref = ((q.double()[:, :, None] - s.double()[:, None]) ** 2).sum(-1)
    torch.testing.assert_close(T.pairwise_sq_dist(q, s).double(), ref,
                               rtol=1e-5, atol=1e-5)
    # Exact (and exactly 0 on itself) on integer coordinates.
    grid = _grid(3, 3, 3)[None]
    ref = ((grid[:, :, None] - grid[:, None]) ** 2).sum(-1)
    assert torch.equal(T.pairwise_sq_dist(grid, grid), ref)
    # Half inputs and autocast still compute in float32.
    assert T.pairwise_sq_dist(q.half(), s.half()).dtype == torch.float32
    with torch.autocast('cpu', dtype=torch.bfloat16):
        d = T.pairwise_sq_dist(q, s)
    assert d.dtype == torch.float32
    # knn_indices is the kNN of both entry points.
    from pointmcd_plugin.ops import knn as plugin_knn
    assert torch.equal(plugin_knn(6, s, q), T.knn_indices(6, s, q))
    assert torch.equal(T.knn(6, s, q).transpose(1, 2).long(),
                       T.knn_indices(6, s, q))


def test_smallest_k_ties_by_index():
    d = torch.tensor([[3., 1, 2, 1, 0, 2, 2],
                      [5., 4, 3, 2, 1, 0, 6]])
    val, idx = T._smallest_k(d, 4)
    assert idx.tolist() == [[4, 1, 3, 2], [5, 4, 3, 2]]
    assert val.tolist() == [[0, 1, 1, 2], [0, 1, 2, 3]]
    val, idx = T._smallest_k(d, 7)  # k == N
    assert idx[0].tolist() == [4, 1, 3, 2, 5, 6, 0]


def test_more_neighbours_asked_than_points():
    xyz = _cloud(1, 5, 11)
    # Every point lies in the ball: all five, then the first repeated.
    idx = T.ball_query(0., 10., 8, xyz, xyz[:, :1].contiguous())
    assert idx.tolist() == [[[0, 1, 2, 3, 4, 0, 0, 0]]]
    # knn fills what it cannot find with index 0, as the kernel's heap.
    idx = T.knn(7, xyz, xyz[:, :1].contiguous())[0, :, 0]
    ref, _ = nearest_ref(xyz[0, :1].numpy(), xyz[0].numpy(), 5)
    assert idx[:5].tolist() == ref[0].tolist() and idx[5:].tolist() == [0, 0]
    assert knn_kernel_ref(xyz[0, 0].numpy(), xyz[0].numpy(), 7)[0][5:] == \
        [0, 0]


def test_knn_in_feature_space_and_errors():
    feats = torch.randn(1, 30, 6)
    idx = T.knn(5, feats)[0].T  # (M, k)
    ref = torch.cdist(feats, feats)[0].topk(5, largest=False)[1]
    assert (idx.long() == ref).all()
    with pytest.raises(ValueError, match='range'):
        T.knn(100, feats)


def test_three_nn_equals_brute_force():
    target = _cloud(2, 40, 5)
    source = torch.cat([_cloud(2, 12, 6), _cloud(2, 12, 6)[:, :3]], 1)
    dist, idx = T.three_nn(target, source)
    assert idx.dtype == torch.int32 and dist.shape == (2, 40, 3)
    for b in range(2):
        ref_i, ref_d = nearest_ref(target[b].numpy(), source[b].numpy(), 3)
        np.testing.assert_array_equal(idx[b].numpy(), ref_i)
        np.testing.assert_allclose(dist[b].numpy(), np.sqrt(ref_d),
                                   rtol=1e-6)
    # Fewer than three sources: index 0, infinite distance.
    dist, idx = T.three_nn(target[:, :2], source[:, :2])
    assert torch.isinf(dist[..., 2]).all() and (idx[..., 2] == 0).all()


def test_gathering_ops_equal_brute_force():
    g = torch.Generator().manual_seed(7)
    feats = torch.randn(2, 5, 30, generator=g)
    group_idx = torch.randint(0, 30, (2, 8, 4), generator=g,
                              dtype=torch.int32)
    grouped = T.grouping_operation(feats, group_idx)
    gather_idx = torch.randint(0, 30, (2, 9), generator=g, dtype=torch.int32)
    gathered = T.gather_points(feats, gather_idx)
    tri_idx = torch.randint(0, 30, (2, 11, 3), generator=g,
                            dtype=torch.int32)
    w = torch.rand(2, 11, 3, generator=g)
    interp = T.three_interpolate(feats, tri_idx, w)
    for b in range(2):
        for c in range(5):
            for m in range(8):
                for s in range(4):
                    assert grouped[b, c, m, s] == \
                        feats[b, c, group_idx[b, m, s]]
            for m in range(9):
                assert gathered[b, c, m] == feats[b, c, gather_idx[b, m]]
            for n in range(11):
                ref = sum(w[b, n, j] * feats[b, c, tri_idx[b, n, j]]
                          for j in range(3))
                torch.testing.assert_close(interp[b, c, n], ref)


def test_gradients_match_mmcv_contract():
    g = torch.Generator().manual_seed(8)
    feats = torch.randn(2, 3, 10, dtype=torch.double, generator=g,
                        requires_grad=True)
    gi = torch.randint(0, 10, (2, 4, 3), generator=g, dtype=torch.int32)
    pi = torch.randint(0, 10, (2, 5), generator=g, dtype=torch.int32)
    ti = torch.randint(0, 10, (2, 6, 3), generator=g, dtype=torch.int32)
    w = torch.rand(2, 6, 3, dtype=torch.double, generator=g,
                   requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda f: T.grouping_operation(f, gi), (feats, ))
    assert torch.autograd.gradcheck(lambda f: T.gather_points(f, pi),
                                    (feats, ))
    assert torch.autograd.gradcheck(
        lambda f: T.three_interpolate(f, ti, w), (feats, ))
    # As mmcv: the interpolation weights get no gradient.
    T.three_interpolate(feats, ti, w).sum().backward()
    assert w.grad is None and feats.grad is not None
    # Duplicate indices accumulate (scatter-add backward, as mmcv's).
    f = torch.zeros(1, 1, 4, requires_grad=True)
    T.gather_points(f, torch.tensor([[2, 2, 2]], dtype=torch.int32)) \
        .sum().backward()
    assert f.grad.tolist() == [[[0., 0., 3., 0.]]]


def test_explicit_backwards_equal_autograd():
    """The gradients mmcv's Functions use on the torch path."""
    g = torch.Generator().manual_seed(9)
    feats = torch.randn(2, 3, 10, generator=g, requires_grad=True)
    gi = torch.randint(0, 10, (2, 4, 3), generator=g, dtype=torch.int32)
    pi = torch.randint(0, 10, (2, 5), generator=g, dtype=torch.int32)
    ti = torch.randint(0, 10, (2, 6, 3), generator=g, dtype=torch.int32)
    w = torch.rand(2, 6, 3, generator=g)
    cases = [
        (lambda f: T.grouping_operation(f, gi),
         lambda go: T.grouping_operation_backward(go, gi, 10)),
        (lambda f: T.gather_points(f, pi),
         lambda go: T.gather_points_backward(go, pi, 10)),
        (lambda f: T.three_interpolate(f, ti, w),
         lambda go: T.three_interpolate_backward(go, ti, w, 10)),
    ]
    for fwd, bwd in cases:
        out = fwd(feats)
        go = torch.randn(out.shape, generator=g)
        ref, = torch.autograd.grad(out, feats, go)
        torch.testing.assert_close(bwd(go), ref)
    # Stacked grouping, with an out-of-sample -1 (gets no gradient).
    sf = torch.randn(9, 4, generator=g, requires_grad=True)
    si = torch.tensor([[0, 1, 1], [2, 0, -1], [0, 3, 4], [5, 5, 0]],
                      dtype=torch.int32)
    f_cnt = torch.tensor([3, 6], dtype=torch.int32)
    i_cnt = torch.tensor([2, 2], dtype=torch.int32)
    out = T.grouping_operation(sf, si, f_cnt, i_cnt)
    go = torch.randn(out.shape, generator=g)
    ref, = torch.autograd.grad(out, sf, go)
    torch.testing.assert_close(
        T.grouping_operation_backward(go, si, 9, f_cnt, i_cnt), ref)


def test_chunking_does_not_change_results(monkeypatch):
    xyz = _cloud(2, 60, 9)
    full = (T.ball_query(0., 0.3, 6, xyz, xyz), T.knn(5, xyz),
            T.three_nn(xyz, xyz[:, :17])[1])
    monkeypatch.setattr(T, '_CHUNK_ELEMS', 100)  # one row per chunk
    chunked = (T.ball_query(0., 0.3, 6, xyz, xyz), T.knn(5, xyz),
               T.three_nn(xyz, xyz[:, :17])[1])
    for a, b in zip(full, chunked):
        assert torch.equal(a, b)


@pytest.mark.skipif(not mmcv_cuda_ops_available(),
                    reason="needs a GPU where mmcv's CUDA point ops run")
def test_torch_paths_equal_mmcv_kernels_on_cuda():
    from pointmcd_plugin.ops.mmcv_cpu import mmcv_point_ops
    mm = mmcv_point_ops()
    xyz = _cloud(4, 1024, 10).cuda()
    centers = xyz[:, :256].contiguous()
    assert torch.equal(mm['furthest_point_sample'](xyz, 128),
                       T.furthest_point_sample(xyz, 128))
    dist = torch.cdist(xyz, xyz).contiguous()
    assert torch.equal(mm['furthest_point_sample_with_dist'](dist, 64),
                       T.furthest_point_sample_with_dist(dist, 64))
    assert torch.equal(mm['ball_query'](0., 0.2, 32, xyz, centers),
                       T.ball_query(0., 0.2, 32, xyz, centers))
    # knn: same distances in every position (the GEMM's rounding aside).
    i_m = mm['knn'](16, xyz, centers, False).long()
    i_t = T.knn(16, xyz, centers, False).long()
    d_all = T._sq_dist(centers, xyz).transpose(1, 2)  # (B, N, M)
    torch.testing.assert_close(d_all.gather(1, i_m), d_all.gather(1, i_t))
    # Quantised clouds, full of exact ties: FPS picks the kernel's points,
    # knn the kernel's distances exactly (indices: only on ties, see
    # torch_point_ops).
    for sizes in ((4, 4, 4), (5, 5, 4), (16, 16, 8)):
        grid = _grid(*sizes).cuda()[None].repeat(2, 1, 1).contiguous()
        m = min(len(grid[0]), 200)
        assert torch.equal(mm['furthest_point_sample'](grid, m),
                           T.furthest_point_sample(grid, m))
        dist = ((grid[:, :, None] - grid[:, None]) ** 2).sum(-1).contiguous()
        assert torch.equal(mm['furthest_point_sample_with_dist'](dist, m),
                           T.furthest_point_sample_with_dist(dist, m))
        i_m = mm['knn'](9, grid, grid, False).long()
        i_t = T.knn(9, grid, grid, False).long()
        d = dist.transpose(1, 2)
        assert torch.equal(d.gather(1, i_m), d.gather(1, i_t))
    d_m, i_m = mm['three_nn'](xyz, centers)
    d_t, i_t = T.three_nn(xyz, centers)
    assert torch.equal(i_m, i_t)
    torch.testing.assert_close(d_m, d_t)
    feats = torch.randn(4, 64, 1024, device='cuda', requires_grad=True)
    idx = T.ball_query(0., 0.2, 32, xyz, centers)
    tri = i_t.contiguous()
    w = torch.rand(4, 1024, 3, device='cuda')
    for name, args in [('grouping_operation', (idx, )),
                       ('gather_points', (idx[:, :, 0].contiguous(), )),
                       ('three_interpolate', (tri, w))]:
        src = feats[:, :, :256].contiguous() \
            if name == 'three_interpolate' else feats
        out_m = mm[name](src, *args)
        g_m, = torch.autograd.grad(out_m.sum(), feats)
        out_t = getattr(T, name)(src, *args)
        g_t, = torch.autograd.grad(out_t.sum(), feats)
        torch.testing.assert_close(out_m, out_t)
        torch.testing.assert_close(g_m, g_t)
