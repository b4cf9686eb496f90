"""The torch paths of mmcv's point ops equal brute force (the kernels'
algorithms written as plain loops), have mmcv's gradients, and equal
mmcv's CUDA kernels on a GPU."""
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
def fps_ref(xyz, m):
    n = len(xyz)
    temp = np.full(n, 1e10, np.float32)
    out, old = [0], 0
    for _ in range(1, m):
        best, besti = -1.0, 0
        for k in range(n):
            temp[k] = min(temp[k], _d2(xyz[k], xyz[old]))
            if temp[k] > best:
                best, besti = temp[k], k
        out.append(besti)
        old = besti
    return out


def fps_dist_ref(dist, m):
    n = len(dist)
    temp = np.full(n, 1e10, np.float32)
    out, old = [0], 0
    for _ in range(1, m):
        temp = np.minimum(temp, dist[old])
        old = int(np.argmax(temp))
        out.append(old)
    return out


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


def test_furthest_point_sample_ties_take_lowest_index():
    # Corners of a square around point 0 at the same distance: 1..4 tie.
    xyz = torch.tensor([[[0., 0, 0], [1, 0, 0], [0, 1, 0], [-1, 0, 0],
                         [0, -1, 0]]])
    assert T.furthest_point_sample(xyz, 2).tolist() == [[0, 1]]


def test_furthest_point_sample_with_dist_ties_and_more_samples_than_points():
    # Points 1 and 2 are equally far from 0: the lower index first; then
    # the last point; with every point taken, index 0 again (all at 0).
    dist = torch.tensor([[[0., 4, 4, 1], [4, 0, 9, 9], [4, 9, 0, 9],
                          [1, 9, 9, 0]]])
    assert T.furthest_point_sample_with_dist(dist, 6).tolist() == \
        [[0, 1, 2, 3, 0, 0]]
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
        ref, _ = nearest_ref(centers[b].numpy(), xyz[b].numpy(), k)
        np.testing.assert_array_equal(idx[b].T.numpy(), ref)


def test_more_neighbours_asked_than_points():
    xyz = _cloud(1, 5, 11)
    # Every point lies in the ball: all five, then the first repeated.
    idx = T.ball_query(0., 10., 8, xyz, xyz[:, :1].contiguous())
    assert idx.tolist() == [[[0, 1, 2, 3, 4, 0, 0, 0]]]
    # knn fills what it cannot find with index 0, as the kernel's heap.
    idx = T.knn(7, xyz, xyz[:, :1].contiguous())[0, :, 0]
    ref, _ = nearest_ref(xyz[0, :1].numpy(), xyz[0].numpy(), 5)
    assert idx[:5].tolist() == ref[0].tolist() and idx[5:].tolist() == [0, 0]


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
    assert torch.equal(mm['knn'](16, xyz, centers, False),
                       T.knn(16, xyz, centers, False))
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
