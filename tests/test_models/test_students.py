import pytest
import torch

from pointmcd_plugin.models import DGCNNEncoder, PointNetEncoder
from pointmcd_plugin.ops import knn


@pytest.mark.parametrize('in_channels', [3, 6])
def test_dgcnn_shapes_and_backward(in_channels):
    model = DGCNNEncoder(in_channels=in_channels, k=8)
    points = torch.randn(2, 64, in_channels, requires_grad=True)
    out = model(points)
    assert out['point_feats'].shape == (2, 64, 1024)
    assert out['global_feat'].shape == (2, 2048)
    (out['global_feat'].sum() + out['point_feats'].mean()).backward()
    assert points.grad is not None and points.grad.abs().sum() > 0
    assert all(p.grad is not None for p in model.parameters())


def test_dgcnn_is_permutation_equivariant():
    model = DGCNNEncoder(k=8).eval()
    points = torch.randn(1, 64, 3)
    perm = torch.randperm(64)
    with torch.no_grad():
        a, b = model(points), model(points[:, perm])
    torch.testing.assert_close(a['point_feats'][:, perm], b['point_feats'],
                               rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(a['global_feat'], b['global_feat'],
                               rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize('in_channels', [3, 6])
def test_pointnet_shapes_and_backward(in_channels):
    model = PointNetEncoder(in_channels=in_channels)
    model.init_weights()
    points = torch.randn(2, 64, in_channels)
    out = model(points)
    assert out['point_feats'].shape == (2, 64, 1024)
    assert out['global_feat'].shape == (2, 1024)
    assert (out['point_feats'] >= 0).all()
    out['global_feat'].sum().backward()
    assert all(p.grad is not None for p in model.parameters())


def test_pointnet_input_transform_starts_at_identity():
    model = PointNetEncoder()
    model.init_weights()
    model.eval()
    pts = torch.randn(1, 32, 3)
    trans = model.stn(pts.transpose(1, 2))
    torch.testing.assert_close(trans[0], torch.eye(3))


def test_students_reject_wrong_channels():
    with pytest.raises(ValueError, match=r'\(B, N, 3\)'):
        DGCNNEncoder(k=4)(torch.randn(1, 16, 6))
    with pytest.raises(ValueError, match='input channels'):
        PointNetEncoder(in_channels=4)


def edge_features(x: torch.Tensor, k: int) -> torch.Tensor:
    """Reference EdgeConv input, built explicitly: for every point i and neighbour j, ``[x_j - x_i, x_i]``.

    Args:
        x (Tensor): (B, C, N) point features.
        k (int): Neighbours per point (nearest in the space of ``x``,
            the point itself included).

    Returns:
        Tensor: (B, 2C, N, k) edge features.
    """
    B, C, N = x.shape
    feats = x.transpose(1, 2).contiguous()  # (B, N, C)
    idx = knn(k, feats)  # (B, N, k)
    base = torch.arange(B, device=x.device).view(B, 1, 1) * N
    neighbours = feats.reshape(B * N, C)[(idx + base).reshape(-1)]
    neighbours = neighbours.view(B, N, k, C)
    centre = feats.unsqueeze(2).expand(-1, -1, k, -1)
    return torch.cat([neighbours - centre, centre], dim=3).permute(0, 3, 1, 2)


def test_factored_edge_conv_equals_convolving_edge_features():
    """Same outputs and gradients as convolving the (B, 2C, N, k) edges."""
    from pointmcd_plugin.models.students.dgcnn import edge_conv
    torch.manual_seed(0)
    conv = DGCNNEncoder(in_channels=6, k=8).edge_convs[0].train()
    x = torch.randn(3, 6, 50, requires_grad=True)
    fast = edge_conv(x, 8, conv)
    (fast**2).sum().backward()
    grads_fast = (x.grad.clone(), conv.conv.weight.grad.clone())
    x.grad, conv.conv.weight.grad = None, None
    slow = conv(edge_features(x, 8)).max(dim=-1)[0]
    (slow**2).sum().backward()
    torch.testing.assert_close(fast, slow, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(grads_fast[0], x.grad, rtol=1e-3, atol=1e-4)
    torch.testing.assert_close(grads_fast[1], conv.conv.weight.grad,
                               rtol=1e-3, atol=1e-4)
