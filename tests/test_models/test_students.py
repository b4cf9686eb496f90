import pytest
import torch
from mmcv.cnn import ConvModule
from torch import nn

from pointmcd_plugin.models import DGCNNEncoder, EdgeConv, PointNetEncoder
from pointmcd_plugin.models.students.dgcnn import edge_conv
from pointmcd_plugin.ops import knn


def edge_features(x: torch.Tensor, k: int) -> torch.Tensor:
    """Reference EdgeConv input, built explicitly: for every point i and
    neighbour j, ``[x_j - x_i, x_i]``.

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


EDGE_CONV_CFGS = {
    'bn_leaky_no_bias': dict(norm_cfg=dict(type='BN2d'),
                             act_cfg=dict(type='LeakyReLU',
                                          negative_slope=0.2)),
    'bn_relu_with_bias': dict(bias=True, norm_cfg=dict(type='BN2d'),
                              act_cfg=dict(type='ReLU')),
    'no_norm_auto_bias': dict(norm_cfg=None, act_cfg=dict(type='ReLU')),
    'conv_act_norm': dict(norm_cfg=dict(type='GN', num_groups=4),
                          act_cfg=dict(type='ReLU'),
                          order=('conv', 'act', 'norm')),
    'linear': dict(bias=True, norm_cfg=None, act_cfg=None),
}


@pytest.mark.parametrize('cfg', EDGE_CONV_CFGS.values(), ids=EDGE_CONV_CFGS)
def test_edge_conv_equals_its_convmodule_on_explicit_edges(cfg):
    """Outputs and gradients (input, weight, bias, norm) equal a plain mmcv
    ConvModule with the same state dict run on the (B, 2C, N, k) edges."""
    torch.manual_seed(0)
    edge = EdgeConv(6, 16, k=8, **cfg).train()
    ref = ConvModule(12, 16, 1, conv_cfg=dict(type='Conv2d'), **cfg).train()
    ref.load_state_dict(edge.state_dict())  # same keys, same layout
    if edge.conv.bias is not None:  # a non-zero bias, so it counts
        with torch.no_grad():
            edge.conv.bias.normal_()
            ref.conv.bias.copy_(edge.conv.bias)
    x = torch.randn(3, 6, 50)
    x_ref = x.clone().requires_grad_()
    x.requires_grad_()
    fast = edge(x)
    slow = ref(edge_features(x_ref, 8)).max(dim=-1)[0]
    assert fast.shape == (3, 16, 50)
    torch.testing.assert_close(fast, slow, rtol=1e-4, atol=1e-5)
    (fast**2).sum().backward()
    (slow**2).sum().backward()
    torch.testing.assert_close(x.grad, x_ref.grad, rtol=1e-3, atol=1e-4)
    grads = {n: p.grad for n, p in ref.named_parameters()}
    assert grads  # at least the conv weight
    for name, param in edge.named_parameters():
        torch.testing.assert_close(param.grad, grads[name], rtol=1e-3,
                                   atol=1e-4, msg=name)


def test_edge_conv_refuses_what_it_cannot_factor():
    with pytest.raises(ValueError, match=r"order=\('norm', 'conv', 'act'\)"):
        EdgeConv(3, 8, k=4, norm_cfg=dict(type='BN2d'),
                 order=('norm', 'conv', 'act'))
    x = torch.randn(1, 3, 16)
    bad = {
        'with_spectral_norm': ConvModule(6, 8, 1, with_spectral_norm=True),
        r'kernel_size=\(3, 3\)': ConvModule(6, 8, 3),
        'ConvWS2d': ConvModule(6, 8, 1, conv_cfg=dict(type='ConvWS')),
        'groups=2': ConvModule(6, 8, 1, groups=2),
    }
    for message, conv in bad.items():
        with pytest.raises(ValueError, match=message):
            edge_conv(x, 4, conv)
    with pytest.raises(ValueError, match='C=4'):
        edge_conv(torch.randn(1, 4, 16), 4, ConvModule(6, 8, 1))


def test_dgcnn_loads_checkpoints_of_plain_convmodule_layers():
    """The layout is the one of the earlier encoder (ConvModule layers
    ``edge_convs.{l}``), so its checkpoints load strictly."""
    torch.manual_seed(0)
    act = dict(type='LeakyReLU', negative_slope=0.2)
    old = nn.Module()
    old.edge_convs = nn.ModuleList(
        ConvModule(2 * c_in, c_out, 1, bias=False,
                   conv_cfg=dict(type='Conv2d'),
                   norm_cfg=dict(type='BN2d'), act_cfg=act)
        for c_in, c_out in [(3, 64), (64, 64), (64, 128), (128, 256)])
    old.embed = ConvModule(512, 1024, 1, bias=False,
                           conv_cfg=dict(type='Conv1d'),
                           norm_cfg=dict(type='BN1d'), act_cfg=act)
    model = DGCNNEncoder(k=8)
    model.load_state_dict(old.state_dict(), strict=True)
    # and computes EdgeConv with them: layer 0 on the explicit edges
    model.eval(), old.eval()
    points = torch.randn(2, 40, 3)
    with torch.no_grad():
        ref = old.edge_convs[0](edge_features(points.transpose(1, 2), 8))
        out = model(points)
    torch.testing.assert_close(out['level_feats'][0],
                               ref.max(-1)[0].transpose(1, 2))


@pytest.mark.parametrize('in_channels', [3, 6])
def test_dgcnn_shapes_and_backward(in_channels):
    model = DGCNNEncoder(in_channels=in_channels, k=8)
    points = torch.randn(2, 64, in_channels, requires_grad=True)
    out = model(points)
    assert out['point_feats'].shape == (2, 64, 1024)
    assert [f.shape for f in out['level_feats']] == [
        (2, 64, c) for c in (64, 64, 128, 256)]
    assert out['global_feat'].shape == (2, 2048)
    (out['global_feat'].sum() + out['point_feats'].mean()).backward()
    assert points.grad is not None and points.grad.abs().sum() > 0
    assert all(p.grad is not None for p in model.parameters())


def test_dgcnn_without_norm_has_conv_biases():
    model = DGCNNEncoder(k=4, edge_channels=(8, 8), embed_channels=16,
                         norm_cfg=None)
    assert all(conv.conv.bias is not None for conv in model.edge_convs)
    assert model.embed.conv.bias is not None
    assert model(torch.randn(2, 16, 3))['global_feat'].shape == (2, 32)


def _assert_permutation_equivariant(model, points):
    perm = torch.randperm(points.shape[1])
    with torch.no_grad():
        a, b = model(points), model(points[:, perm])
    tol = dict(rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(a['point_feats'][:, perm], b['point_feats'],
                               **tol)
    for fa, fb in zip(a['level_feats'], b['level_feats']):
        torch.testing.assert_close(fa[:, perm], fb, **tol)
    torch.testing.assert_close(a['global_feat'], b['global_feat'], **tol)


def test_dgcnn_is_permutation_equivariant():
    torch.manual_seed(0)
    _assert_permutation_equivariant(DGCNNEncoder(k=8).eval(),
                                    torch.randn(2, 64, 3))


@pytest.mark.parametrize('feature_transform', [False, True])
def test_pointnet_is_permutation_equivariant(feature_transform):
    torch.manual_seed(0)
    model = PointNetEncoder(feature_transform=feature_transform)
    model.train()  # a few steps of batch statistics, away from identity
    with torch.no_grad():
        for _ in range(3):
            model(torch.randn(4, 64, 3))
    _assert_permutation_equivariant(model.eval(), torch.randn(2, 64, 3))


@pytest.mark.parametrize('in_channels', [3, 6])
def test_pointnet_shapes_and_backward(in_channels):
    model = PointNetEncoder(in_channels=in_channels)
    model.init_weights()
    points = torch.randn(2, 64, in_channels)
    out = model(points)
    assert out['point_feats'].shape == (2, 64, 1024)
    assert [f.shape for f in out['level_feats']] == [
        (2, 64, c) for c in (64, 64, 64, 128, 1024)]
    assert out['global_feat'].shape == (2, 1024)
    assert 'feat_transform' not in out
    out['global_feat'].sum().backward()
    assert all(p.grad is not None for p in model.parameters())


def test_pointnet_transforms_start_at_identity():
    """After init_weights both T-Nets are the identity: the encoder's
    output equals its shared MLPs on the raw points; and the feature
    transform, built last, leaves the other layers' initialisation as it
    is without it."""
    torch.manual_seed(0)
    plain = PointNetEncoder()
    plain.init_weights()
    torch.manual_seed(0)
    with_ft = PointNetEncoder(feature_transform=True)
    with_ft.init_weights()
    assert set(with_ft.state_dict()) - set(plain.state_dict()) == {
        k for k in with_ft.state_dict() if k.startswith('fstn.')}
    for key, value in plain.state_dict().items():
        assert torch.equal(value, with_ft.state_dict()[key]), key
    pts = torch.randn(2, 32, 3)
    plain.eval(), with_ft.eval()
    with torch.no_grad():
        ref = plain.mlps(pts.transpose(1, 2)).transpose(1, 2)
        a, b = plain(pts), with_ft(pts)
    torch.testing.assert_close(a['point_feats'], ref)
    torch.testing.assert_close(b['point_feats'], ref)
    torch.testing.assert_close(b['feat_transform'],
                               torch.eye(64).expand(2, -1, -1))


def test_students_reject_wrong_configs_and_inputs():
    with pytest.raises(ValueError, match=r'\(B, N, 3\)'):
        DGCNNEncoder(k=4)(torch.randn(1, 16, 6))
    with pytest.raises(ValueError, match='input channels'):
        PointNetEncoder(in_channels=4)
    with pytest.raises(ValueError, match='between 1 and 4'):
        PointNetEncoder(feature_transform=True, feature_transform_after=5)
