"""MultiViewDistillLoss against a brute force of its documented formula:
``loss_weight * sum_{valid (b, k)} w[b, k] * e[b, k] / #valid``, e the
per-view distance (mean over channels, or 1 - cos)."""
import math

import pytest
import torch
from mmdet3d.registry import MODELS
from mmengine.registry import init_default_scope

import pointmcd_plugin  # noqa: F401
from pointmcd_plugin.models.losses import MultiViewDistillLoss


def descriptors(b=2, k=3, d=4, seed=0):
    gen = torch.Generator().manual_seed(seed)
    student = torch.randn(b, k, d, generator=gen).requires_grad_()
    teacher = torch.randn(b, k, d, generator=gen)
    return student, teacher


def brute_force(s, t, mode='l1', beta=1.0, valid=None, weight=None,
                loss_weight=1.0):
    """Python loops over views and channels, in float64."""
    s, t = s.detach().double().tolist(), t.detach().double().tolist()
    total, count = 0.0, 0
    for b, (s_b, t_b) in enumerate(zip(s, t)):
        for k, (x, y) in enumerate(zip(s_b, t_b)):
            if valid is not None and not valid[b][k]:
                continue
            if mode == 'cosine':
                dot = sum(u * v for u, v in zip(x, y))
                e = 1 - dot / (math.sqrt(sum(u * u for u in x)) *
                               math.sqrt(sum(v * v for v in y)))
            else:
                per_channel = []
                for u, v in zip(x, y):
                    d = abs(u - v)
                    if mode == 'l1':
                        per_channel.append(d)
                    elif mode == 'mse':
                        per_channel.append(d * d)
                    else:  # smooth_l1
                        per_channel.append(0.5 * d * d / beta if d < beta
                                           else d - 0.5 * beta)
                e = sum(per_channel) / len(per_channel)
            total += (1.0 if weight is None else float(weight[b][k])) * e
            count += 1
    return loss_weight * total / max(count, 1)


def test_l1_default_equals_paper_nn_l1loss():
    s, t = descriptors()
    loss = MultiViewDistillLoss()(s, t)
    assert torch.allclose(loss, torch.nn.L1Loss()(s, t))


@pytest.mark.parametrize('mode', ['l1', 'smooth_l1', 'mse', 'cosine'])
def test_modes_against_brute_force(mode):
    s, t = descriptors(d=8)
    s = s * 0.4  # smooth_l1: both branches (|s - t| on either side of beta)
    d = (s - t).abs()
    assert (d < 0.5).any() and (d > 0.5).any()
    loss = MultiViewDistillLoss(mode=mode, beta=0.5)(s, t)
    assert loss.item() == pytest.approx(brute_force(s, t, mode, beta=0.5),
                                        rel=1e-5)


@pytest.mark.parametrize('mode', ['l1', 'smooth_l1', 'mse', 'cosine'])
def test_invalid_views_leave_value_and_gradient_untouched(mode):
    s, t = descriptors()
    valid = torch.tensor([[True, False, True], [False, True, True]])
    ref = brute_force(s, t, mode, valid=valid.tolist())
    with torch.no_grad():  # an empty view's descriptor may be anything
        s[0, 1] = float('nan')
        s[1, 0] = float('-inf')
    loss = MultiViewDistillLoss(mode=mode)(s, t, valid)
    loss.backward()
    assert loss.item() == pytest.approx(ref, rel=1e-5)
    assert torch.isfinite(s.grad).all()
    assert (s.grad[~valid] == 0).all() and (s.grad[valid] != 0).all()


@pytest.mark.parametrize('mode', ['l1', 'smooth_l1', 'mse', 'cosine'])
def test_all_invalid_batch_gives_zero_with_grad(mode):
    s, t = descriptors()
    valid = torch.zeros(2, 3, dtype=torch.bool)
    loss = MultiViewDistillLoss(mode=mode)(s, t, valid)
    assert loss.item() == 0 and loss.requires_grad
    loss.backward()
    assert (s.grad == 0).all()


def test_view_weights_scale_each_view_and_mean_divides_by_valid_views():
    s, t = descriptors()
    valid = torch.tensor([[True, True, False], [True, True, True]])
    cfg_w = torch.tensor([1.0, 2.0, 3.0])
    arg_w = torch.tensor([[1.0, 0.5, 1.0], [0.0, 1.0, 2.0]])
    loss = MultiViewDistillLoss(view_weights=cfg_w.tolist(),
                                loss_weight=0.5)(s, t, valid, arg_w)
    # Weights scale, they are not normalised: divided by 5 valid views.
    assert loss.item() == pytest.approx(brute_force(
        s, t, valid=valid.tolist(), weight=(cfg_w * arg_w).tolist(),
        loss_weight=0.5), rel=1e-5)
    # (K, ) weights given at call time broadcast over the batch.
    loss = MultiViewDistillLoss()(s, t, weight=cfg_w)
    assert loss.item() == pytest.approx(
        brute_force(s, t, weight=[cfg_w.tolist()] * 2), rel=1e-5)


def test_teacher_side_is_detached():
    s, t = descriptors()
    t.requires_grad_()
    MultiViewDistillLoss()(s, t).backward()
    assert t.grad is None and s.grad is not None


def test_errors_name_expected_and_found_shapes():
    s, t = descriptors()
    with pytest.raises(ValueError, match=r'\(2, 3, 4\).*\(2, 2, 4\)'):
        MultiViewDistillLoss()(s, t[:, :2])
    with pytest.raises(ValueError, match='bool valid mask'):
        MultiViewDistillLoss()(s, t, torch.ones(2, 3))
    with pytest.raises(ValueError, match=r'\(K, \) \(3,\), got \(4,\)'):
        MultiViewDistillLoss(view_weights=[1, 1, 1, 1])(s, t)
    with pytest.raises(ValueError, match='mode must be one of'):
        MultiViewDistillLoss(mode='kl')


def test_built_by_config_in_mmdet3d_scope():
    init_default_scope('mmdet3d')
    for type_ in ('MultiViewDistillLoss',
                  'pointmcd_plugin.MultiViewDistillLoss'):
        loss = MODELS.build(dict(type=type_, mode='smooth_l1', beta=0.1))
        assert isinstance(loss, MultiViewDistillLoss) and loss.beta == 0.1


def test_cosine_gradients_stay_bounded_on_an_all_zero_descriptor():
    """A view whose VAFP descriptor is all zeros (everything below the
    ReLU) is a plausible input; its gradient must not explode."""
    from pointmcd_plugin.models.losses import MultiViewDistillLoss
    student = torch.zeros(1, 2, 4, requires_grad=True)
    teacher = torch.rand(1, 2, 4, generator=torch.Generator().manual_seed(0))
    loss = MultiViewDistillLoss(mode='cosine')(student, teacher)
    loss.backward()
    assert loss.item() == pytest.approx(1.0)
    assert student.grad.abs().max() <= 1e4 / 2  # 1 / eps / (B K)
