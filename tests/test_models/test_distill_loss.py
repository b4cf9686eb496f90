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


def test_l1_default_equals_paper_nn_l1loss():
    s, t = descriptors()
    loss = MultiViewDistillLoss()(s, t)
    assert torch.allclose(loss, torch.nn.L1Loss()(s, t))


@pytest.mark.parametrize('mode,per_element', [
    ('l1', lambda s, t: (s - t).abs()),
    ('mse', lambda s, t: (s - t) ** 2),
    ('smooth_l1', lambda s, t: torch.where(
        (s - t).abs() < 0.5, 0.5 * (s - t) ** 2 / 0.5, (s - t).abs() - 0.25)),
])
def test_elementwise_modes_against_hand_formula(mode, per_element):
    s, t = descriptors()
    loss = MultiViewDistillLoss(mode=mode, beta=0.5)(s, t)
    assert torch.allclose(loss, per_element(s, t).mean())


def test_cosine_is_one_minus_cos_per_view():
    s, t = descriptors()
    cos = (s * t).sum(-1) / (s.norm(dim=-1) * t.norm(dim=-1))
    loss = MultiViewDistillLoss(mode='cosine')(s, t)
    assert torch.allclose(loss, (1 - cos).mean())


@pytest.mark.parametrize('mode', ['l1', 'smooth_l1', 'mse', 'cosine'])
def test_invalid_views_leave_value_and_gradient_untouched(mode):
    s, t = descriptors()
    valid = torch.tensor([[True, False, True], [False, True, True]])
    with torch.no_grad():  # an empty view's descriptor may be anything
        s[0, 1] = float('nan')
        s[1, 0] = float('-inf')
    loss_fn = MultiViewDistillLoss(mode=mode)
    loss = loss_fn(s, t, valid)
    loss.backward()
    assert torch.isfinite(loss)
    assert torch.isfinite(s.grad).all()
    assert (s.grad[~valid] == 0).all()
    # Equal to the loss over the valid views alone.
    subset = loss_fn(s[valid][None], t[valid][None])
    assert torch.allclose(loss, subset)


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
    per_view = (s - t).abs().mean(-1)  # (B, K)
    valid = torch.tensor([[True, True, False], [True, True, True]])
    cfg_w = torch.tensor([1.0, 2.0, 3.0])
    arg_w = torch.tensor([[1.0, 0.5, 1.0], [0.0, 1.0, 2.0]])
    loss = MultiViewDistillLoss(view_weights=cfg_w.tolist(),
                                loss_weight=0.5)(s, t, valid, arg_w)
    expected = 0.5 * (per_view * cfg_w * arg_w * valid).sum() / valid.sum()
    assert torch.allclose(loss, expected)
    # (K, ) weights given at call time broadcast over the batch.
    loss = MultiViewDistillLoss()(s, t, weight=cfg_w)
    assert torch.allclose(loss, (per_view * cfg_w).mean())


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
