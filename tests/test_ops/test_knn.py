import numpy as np
import pytest
import torch

from pointmcd_plugin.ops import knn, mmcv_cuda_ops_available
from pointmcd_plugin.ops import torch_point_ops as T


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


def test_knn_is_the_one_torch_knn():
    """The plugin's knn and mmcv's knn layout share one implementation:
    same indices (DGCNN's feature space included), ties by lowest index,
    no autograd graph."""
    g = torch.Generator().manual_seed(1)
    for channels in (3, 64):
        feats = torch.randn(2, 200, channels, generator=g,
                            requires_grad=True)
        idx = knn(20, feats)
        assert not idx.requires_grad
        assert torch.equal(idx, T.knn_indices(20, feats))
        assert torch.equal(idx, T.knn(20, feats).transpose(1, 2).long())
        assert torch.equal(idx, T.knn(20, feats.transpose(1, 2), None,
                                      True).transpose(1, 2).long())
    # Exact duplicates (ReLU features, repeated points): lowest index first.
    pts = torch.tensor([[[0., 0], [1, 0], [0, 0], [1, 0], [5, 5]]])
    assert knn(4, pts).tolist()[0][:2] == [[0, 2, 1, 3], [1, 3, 0, 2]]


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
    assert a.dtype == b.dtype == torch.int64
    da = torch.gather(torch.cdist(support, support), 2, a)
    db = torch.gather(torch.cdist(support, support), 2, b)
    torch.testing.assert_close(da, db)
    # By default 3-d CUDA points go to mmcv, feature space to torch.
    assert torch.equal(knn(20, support), a)
    feats = torch.rand(2, 512, 16, device='cuda')
    assert torch.equal(knn(20, feats), T.knn_indices(20, feats))
