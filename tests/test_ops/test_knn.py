import numpy as np
import pytest
import torch

from pointmcd_plugin.ops import knn, mmcv_cuda_ops_available


def brute_force_knn(support: np.ndarray, query: np.ndarray, k: int):
    """Float64 distances of every (query, support) pair, sorted."""
    d = ((query[:, :, None, :] - support[:, None, :, :])**2).sum(-1)
    return np.sort(d, axis=-1)[..., :k], d


@pytest.mark.parametrize('channels', [3, 64])
def test_knn_cpu_matches_brute_force(channels):
    g = torch.Generator().manual_seed(0)
    support = torch.rand(2, 300, channels, generator=g)
    query = torch.rand(2, 50, channels, generator=g)
    idx = knn(16, support, query)
    assert idx.shape == (2, 50, 16) and idx.dtype == torch.int64
    ref_dist, all_dist = brute_force_knn(support.double().numpy(),
                                         query.double().numpy(), 16)
    got = np.take_along_axis(all_dist, idx.numpy(), axis=-1)
    # Same neighbours (compared by distance, robust to exact ties) in order.
    np.testing.assert_allclose(got, ref_dist, rtol=1e-5, atol=1e-6)


def test_knn_self_query_includes_self_first():
    pts = torch.rand(1, 100, 3)
    idx = knn(5, pts)
    assert torch.equal(idx[0, :, 0], torch.arange(100))


def test_knn_rejects_bad_input():
    with pytest.raises(ValueError, match='larger than the number'):
        knn(10, torch.rand(1, 5, 3))
    with pytest.raises(ValueError, match='expects support'):
        knn(2, torch.rand(5, 3))
    with pytest.raises(RuntimeError, match='CUDA'):
        knn(2, torch.rand(1, 5, 3), use_mmcv=True)


@pytest.mark.skipif(not mmcv_cuda_ops_available(),
                    reason='needs a GPU and mmcv built with CUDA ops')
def test_knn_mmcv_cuda_matches_torch():
    support = torch.rand(2, 512, 3, device='cuda')
    a = knn(20, support, use_mmcv=True)
    b = knn(20, support, use_mmcv=False)
    da = torch.gather(torch.cdist(support, support), 2, a)
    db = torch.gather(torch.cdist(support, support), 2, b)
    torch.testing.assert_close(da, db)
