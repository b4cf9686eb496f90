"""VAFP: masked view pooling at the featured points, then the alignment."""
import numpy as np
import pytest
import torch
from mmdet3d.registry import MODELS
from torch import nn

from pointmcd_plugin.models import VAFP

from ..test_ops.test_masked_max import brute_force, make_inputs


def build(**kwargs) -> VAFP:
    cfg = dict(type='VAFP', in_channels=6, out_channels=4)
    return MODELS.build({**cfg, **kwargs})


def test_outputs_are_masked_max_and_aligned_descriptors():
    model = build().eval()
    feats, vis = make_inputs((3, 20, 5, 6), seed=0)
    out = model(feats, vis)
    assert out['pooled'].shape == (3, 5, 6)
    assert out['descriptors'].shape == (3, 5, 4)
    assert out['valid'].shape == (3, 5) and out['valid'].dtype == torch.bool
    np.testing.assert_array_equal(out['pooled'].double().numpy(),
                                  brute_force(feats, vis)[0])
    valid = out['valid']
    assert torch.equal(valid, vis.any(dim=1)) and not valid.all()
    aligned = model.act(model.norm(model.fc(out['pooled'][valid])))
    torch.testing.assert_close(out['descriptors'][valid], aligned)
    assert not out['descriptors'][~valid].any()


def test_indices_take_visibility_at_the_anchors():
    model = build()
    _, vis = make_inputs((2, 30, 5, 6), seed=1)
    g = torch.Generator().manual_seed(1)
    indices = torch.stack([torch.randperm(30, generator=g)[:12]
                           for _ in range(2)])
    feats = torch.randn(2, 12, 6, generator=g)
    out = model(feats, vis, indices=indices)
    vis_at_anchors = torch.stack([vis[b, indices[b]] for b in range(2)])
    np.testing.assert_array_equal(out['pooled'].detach().double().numpy(),
                                  brute_force(feats, vis_at_anchors)[0])
    assert torch.equal(out['valid'], vis_at_anchors.any(dim=1))


def test_norm_statistics_come_from_valid_views_only():
    model = build().train()
    feats, vis = make_inputs((4, 16, 5, 6), seed=2)
    vis[1] = False  # a whole sample sees nothing
    out = model(feats, vis)
    pooled_valid = out['pooled'][out['valid']]
    expected = model.norm.momentum * model.fc(pooled_valid).mean(0)
    torch.testing.assert_close(model.norm.running_mean, expected.detach())


def test_all_empty_views_stay_finite_and_leave_statistics_alone():
    model = build().train()
    feats = torch.randn(2, 10, 6, requires_grad=True)
    out = model(feats, torch.zeros(2, 10, 3, dtype=torch.bool))
    assert not out['valid'].any()
    assert not out['pooled'].any() and not out['descriptors'].any()
    out['descriptors'].sum().backward()
    assert torch.isfinite(feats.grad).all() and not feats.grad.any()
    assert torch.equal(model.norm.running_mean, torch.zeros(4))
    assert torch.equal(model.norm.running_var, torch.ones(4))


def test_gradients_reach_features_and_parameters_with_empty_views():
    model = build().train()
    feats, vis = make_inputs((3, 20, 5, 6), seed=3)
    feats.requires_grad_()
    out = model(feats, vis)
    (out['descriptors'] ** 2).sum().backward()
    assert torch.isfinite(feats.grad).all() and feats.grad.abs().sum() > 0
    assert all(p.grad is not None and torch.isfinite(p.grad).all()
               for p in model.parameters())


def test_norm_and_activation_are_configurable():
    plain = build(norm_cfg=None, act_cfg=None).eval()
    assert plain.norm is None and plain.act is None
    assert plain.fc.bias is not None and build().fc.bias is None
    feats, vis = make_inputs((2, 12, 4, 6), seed=4)
    out = plain(feats, vis)
    valid = out['valid']
    torch.testing.assert_close(out['descriptors'][valid],
                               plain.fc(out['pooled'][valid]))
    ln = build(norm_cfg=dict(type='LN'), act_cfg=dict(type='GELU'))
    assert isinstance(ln.norm, nn.LayerNorm) and isinstance(ln.act, nn.GELU)
    assert ln(feats, vis)['descriptors'].shape == (2, 4, 4)


def test_shape_errors_name_expected_and_found():
    model = build()
    feats, vis = make_inputs((2, 8, 3, 6), seed=5)
    with pytest.raises(ValueError, match=r'\(B, M, 6\), got \(2, 8, 5\)'):
        model(feats[..., :5], vis)
    with pytest.raises(ValueError, match=r'visibility \(2, N, K\).*\(1, 8, 3'):
        model(feats, vis[:1])
    with pytest.raises(ValueError, match='N=8 points but feats .* M=4; pass '
                       r'indices \(2, 4\)'):
        model(feats[:, :4], vis)
    with pytest.raises(ValueError, match='bool visibility'):
        model(feats, vis.float())
    with pytest.raises(ValueError, match=r'indices \(2, 8\).*\(2, 7\)'):
        model(feats, vis, indices=torch.zeros(2, 7, dtype=torch.long))
    with pytest.raises(ValueError, match=r'\[0, 8\).*\[8, 8\]'):
        model(feats, vis, indices=torch.full((2, 8), 8))
    with pytest.raises(ValueError, match='backend must be one of'):
        build(backend='cuda')
