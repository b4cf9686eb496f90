"""VAFP: masked view pooling at the featured points, then the alignment.

Checked against a float64 numpy brute force of the documented formula:
for every view k of sample b, ``pooled[b, k] = max_{n visible in k}
feats[b, n]`` (0 and invalid for a view that sees no point), then
``relu(bn(W @ pooled))`` on the valid views only (descriptor 0 otherwise).
"""
import numpy as np
import pytest
import torch
from mmdet3d.registry import MODELS
from torch import nn

from pointmcd_plugin.models import VAFP


def build(**kwargs) -> VAFP:
    cfg = dict(type='VAFP', in_channels=6, out_channels=4)
    return MODELS.build({**cfg, **kwargs})


def make_inputs(shape, seed):
    """Mostly negative features (a max over ``feats * visibility`` would
    be wrong) and a visibility with an empty view and a view that sees a
    single point."""
    num_samples, num_points, num_views, channels = shape
    g = torch.Generator().manual_seed(seed)
    feats = torch.randn(num_samples, num_points, channels, generator=g) - 1
    vis = torch.rand(num_samples, num_points, num_views, generator=g) < 0.3
    vis[0, :, 0] = False
    vis[-1, :, -1] = False
    vis[-1, num_points // 2, -1] = True
    return feats, vis


def brute_pool(feats, vis):
    """Loops over samples and views: (B, K, C) masked max and (B, K)
    valid, in float64."""
    f, v = feats.detach().double().numpy(), vis.numpy()
    num_samples, num_views = f.shape[0], v.shape[-1]
    pooled = np.zeros((num_samples, num_views, f.shape[-1]))
    valid = np.zeros((num_samples, num_views), dtype=bool)
    for b in range(num_samples):
        for k in range(num_views):
            seen = [n for n in range(v.shape[1]) if v[b, n, k]]
            if seen:
                pooled[b, k] = f[b, seen].max(0)
                valid[b, k] = True
    return pooled, valid


def brute_align(x, weight, mean, var, gamma, beta, eps=1e-5, relu=True):
    """(V, C) pooled -> (V, D): linear without bias, BN with the given
    statistics, ReLU; float64."""
    y = x @ weight.T
    y = (y - mean) / np.sqrt(var + eps) * gamma + beta
    return np.maximum(y, 0) if relu else y


def np_(t):
    return t.detach().double().numpy()


def test_outputs_are_masked_max_and_aligned_descriptors():
    model = build().eval()
    g = torch.Generator().manual_seed(10)
    with torch.no_grad():  # statistics and affine far from the identity
        model.norm.running_mean.normal_(generator=g)
        model.norm.running_var.uniform_(0.5, 2, generator=g)
        model.norm.weight.uniform_(0.5, 2, generator=g)
        model.norm.bias.normal_(generator=g)
    feats, vis = make_inputs((3, 20, 5, 6), seed=0)
    out = model(feats, vis)
    pooled, valid = brute_pool(feats, vis)
    assert not valid.all()
    np.testing.assert_array_equal(out['valid'].numpy(), valid)
    np.testing.assert_array_equal(np_(out['pooled']), pooled)
    expected = np.zeros((3, 5, 4))
    norm = model.norm
    expected[valid] = brute_align(
        pooled[valid], np_(model.fc.weight), np_(norm.running_mean),
        np_(norm.running_var), np_(norm.weight), np_(norm.bias))
    assert 0 < (expected[valid] > 0).mean() < 1  # the ReLU cuts some
    np.testing.assert_allclose(np_(out['descriptors']), expected, rtol=1e-5,
                               atol=1e-6)


def test_indices_take_visibility_at_the_anchors():
    model = build()
    _, vis = make_inputs((2, 30, 5, 6), seed=1)
    g = torch.Generator().manual_seed(1)
    indices = torch.stack([torch.randperm(30, generator=g)[:12]
                           for _ in range(2)])
    feats = torch.randn(2, 12, 6, generator=g)
    out = model(feats, vis, indices=indices)
    vis_at_anchors = torch.stack([
        torch.stack([vis[b, int(i)] for i in indices[b]]) for b in range(2)])
    pooled, valid = brute_pool(feats, vis_at_anchors)
    np.testing.assert_array_equal(np_(out['pooled']), pooled)
    np.testing.assert_array_equal(out['valid'].numpy(), valid)


def test_norm_statistics_come_from_valid_views_only():
    model = build().train()
    feats, vis = make_inputs((4, 16, 5, 6), seed=2)
    vis[1] = False  # a whole sample sees nothing
    out = model(feats, vis)
    pooled, valid = brute_pool(feats, vis)
    y = pooled[valid] @ np_(model.fc.weight).T  # (V, D), V valid views
    assert len(y) < valid.size
    # The descriptors are normalised with the valid views' batch
    # statistics (biased variance; fresh BN: weight 1, bias 0) ...
    expected = np.zeros((4, 5, 4))
    expected[valid] = brute_align(pooled[valid], np_(model.fc.weight),
                                  y.mean(0), y.var(0), 1, 0)
    np.testing.assert_allclose(np_(out['descriptors']), expected, rtol=1e-5,
                               atol=1e-5)
    # ... and the running statistics move towards them (unbiased variance).
    m = model.norm.momentum
    np.testing.assert_allclose(np_(model.norm.running_mean), m * y.mean(0),
                               rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(np_(model.norm.running_var),
                               (1 - m) + m * y.var(0, ddof=1), rtol=1e-5)


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


def test_gradients_equal_those_of_a_per_view_loop():
    """With empty views in the batch, the gradient of the features and the
    parameters is that of the formula written as a loop over views (each
    valid view a max over its visible points' rows)."""
    model = build().train()
    feats, vis = make_inputs((3, 20, 5, 6), seed=3)
    feats.requires_grad_()
    out = model(feats, vis)
    (out['descriptors'] ** 2).sum().backward()
    grads = [feats.grad] + [p.grad for p in model.parameters()]

    ref_feats = feats.detach().double().requires_grad_()
    weight, gamma, beta = (p.detach().double().requires_grad_()
                           for p in model.parameters())
    pooled = torch.stack([ref_feats[b, vis[b, :, k]].max(0).values
                          for b in range(3) for k in range(5)
                          if vis[b, :, k].any()])
    y = pooled @ weight.T
    y = (y - y.mean(0)) / (y.var(0, unbiased=False) + 1e-5).sqrt()
    (torch.relu(y * gamma + beta) ** 2).sum().backward()
    ref_grads = [ref_feats.grad, weight.grad, gamma.grad, beta.grad]
    for grad, ref in zip(grads, ref_grads):
        torch.testing.assert_close(grad.double(), ref, rtol=1e-4, atol=1e-5)
    # Points no view sees get no gradient; the others may.
    unseen = ~vis.any(-1)
    assert unseen.any() and not feats.grad[unseen].any()
    assert feats.grad[~unseen].any()


def test_norm_and_activation_are_configurable():
    plain = build(norm_cfg=None, act_cfg=None).eval()
    assert plain.norm is None and plain.act is None
    assert plain.fc.bias is not None and build().fc.bias is None
    feats, vis = make_inputs((2, 12, 4, 6), seed=4)
    out = plain(feats, vis)
    pooled, valid = brute_pool(feats, vis)
    expected = np.zeros((2, 4, 4))
    expected[valid] = pooled[valid] @ np_(plain.fc.weight).T + np_(
        plain.fc.bias)
    np.testing.assert_allclose(np_(out['descriptors']), expected, rtol=1e-5,
                               atol=1e-6)
    assert (expected[valid] < 0).any()  # no activation: negatives kept
    ln = build(norm_cfg=dict(type='LN'), act_cfg=dict(type='GELU'))
    assert isinstance(ln.norm, nn.LayerNorm) and isinstance(ln.act, nn.GELU)
    y = pooled[valid] @ np_(ln.fc.weight).T
    y = (y - y.mean(1, keepdims=True)) / np.sqrt(y.var(1, keepdims=True)
                                                 + 1e-5)
    expected[valid] = np_(nn.functional.gelu(torch.from_numpy(y)))
    np.testing.assert_allclose(np_(ln(feats, vis)['descriptors']), expected,
                               rtol=1e-5, atol=1e-6)


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
