"""FoldingNet auto-encoder: the Chamfer loss against a brute force (both
paths), the folding grid and its order, the encoder's features, the
auto-encoder's three modes and training signal, the DGCNN encoder option,
and PointMCDDistiller around it."""
import itertools

import numpy as np
import pytest
import torch
from mmdet3d.registry import MODELS
from mmengine.registry import init_default_scope
from mmpretrain.structures import DataSample

import pointmcd_plugin  # noqa: F401
from pointmcd_plugin.models.autoencoders import (FoldingMLP, chamfer_distance,
                                                 folding_grid,
                                                 local_covariance,
                                                 mmdet3d_chamfer_distance)
from pointmcd_plugin.ops import knn

# mmdet3d's Chamfer path lives in mmdet3d.models, whose first import takes
# seconds (all of mmdet3d's models); import it with the module, not inside
# the first test that uses it.
import mmdet3d.models.losses.chamfer_distance  # noqa: E402,F401,I001

# A narrow FoldingNet: the published structure at toy widths.
N, GRID, CODE, POINT_C = 64, (6, 7), 16, 48
TINY_AE = dict(
    type='PointAutoEncoder',
    backbone=dict(type='FoldingNetEncoder', k=16, mlp_channels=(16, 16, 16),
                  graph_channels=(32, POINT_C)),
    neck=dict(type='CodewordNeck', in_channels=POINT_C,
              channels=(CODE, CODE)),
    head=dict(type='FoldingHead', in_channels=CODE, grid_size=GRID,
              loss=dict(type='ChamferLoss')))


def build(cfg=TINY_AE, seed=0):
    init_default_scope('mmdet3d')
    torch.manual_seed(seed)
    return MODELS.build(cfg)


def points(b=3, n=N, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return torch.rand(b, n, 3, generator=gen) * 2 - 1


def brute_chamfer(src, dst):
    """Per-shape sum of the two mean squared nearest distances, float64,
    from the explicit (B, N, M, C) differences."""
    d = ((src.double()[:, :, None] - dst.double()[:, None]) ** 2).sum(-1)
    return d.min(2)[0].mean(1) + d.min(1)[0].mean(1)


# ---------------------------------------------------------------- Chamfer


@pytest.mark.parametrize('impl', ['torch', 'mmdet3d'])
def test_chamfer_matches_brute_force_in_value_and_gradient(impl):
    src = points(3, 40, seed=1).requires_grad_()
    dst = points(3, 33, seed=2).requires_grad_()
    fn = chamfer_distance if impl == 'torch' else mmdet3d_chamfer_distance
    ref_src = src.detach().double().requires_grad_()
    ref_dst = dst.detach().double().requires_grad_()
    ref = brute_chamfer(ref_src, ref_dst)
    torch.testing.assert_close(fn(src, dst, 'none').double(), ref.detach(),
                               rtol=1e-5, atol=1e-6)
    loss = fn(src, dst, 'mean')
    assert loss.item() == pytest.approx(ref.mean().item(), rel=1e-5)
    loss.backward()
    ref.mean().backward()
    torch.testing.assert_close(src.grad.double(), ref_src.grad, rtol=1e-4,
                               atol=1e-6)
    torch.testing.assert_close(dst.grad.double(), ref_dst.grad, rtol=1e-4,
                               atol=1e-6)
    # 'sum': both directions summed over points and batch.
    d = ((src.detach()[:, :, None] - dst.detach()[:, None]) ** 2).sum(-1)
    total = d.min(2)[0].sum() + d.min(1)[0].sum()
    assert fn(src, dst, 'sum').item() == pytest.approx(total.item(),
                                                       rel=1e-5)


def test_chamfer_is_zero_on_identical_sets_and_chunking_changes_nothing():
    src, dst = points(5, 30, seed=3), points(5, 20, seed=4)
    assert chamfer_distance(src, src.flip(1), 'mean').item() == 0.0
    whole = chamfer_distance(src, dst, 'none')
    # One shape per chunk (30 x 20 pairs > max_pairs).
    torch.testing.assert_close(chamfer_distance(src, dst, 'none',
                                                max_pairs=1), whole)


def test_chamfer_loss_module_paths_agree_and_errors_are_named():
    init_default_scope('mmdet3d')
    src, dst = points(2, 25, seed=5), points(2, 31, seed=6)
    a = MODELS.build(dict(type='ChamferLoss', impl='torch'))(src, dst)
    b = MODELS.build(dict(type='ChamferLoss', impl='mmdet3d'))(src, dst)
    assert a.item() == pytest.approx(b.item(), rel=1e-5)
    weighted = MODELS.build(dict(type='ChamferLoss', loss_weight=2.0))
    assert weighted(src, dst).item() == pytest.approx(2 * a.item(), rel=1e-6)
    with pytest.raises(ValueError, match='impl must be one of'):
        MODELS.build(dict(type='ChamferLoss', impl='cuda'))
    with pytest.raises(ValueError, match=r'\(B, N, C\) and \(B, M, C\)'):
        chamfer_distance(src, dst[:1])


# ---------------------------------------------------------------- decoder


def test_folding_grid_is_45x45_on_the_square_in_product_order():
    grid = folding_grid()
    assert grid.shape == (2025, 2) and grid.dtype == torch.float32
    axis = np.linspace(-0.3, 0.3, 45)
    expected = np.array(list(itertools.product(axis, axis)))
    np.testing.assert_allclose(grid.numpy(), expected, atol=1e-7)
    # v varies fastest: point i = (u[i // 45], v[i % 45]).
    assert grid[1, 0] == grid[0, 0] and grid[1, 1] > grid[0, 1]
    assert grid[45, 0] > grid[0, 0] and grid[45, 1] == grid[0, 1]
    assert grid.min() == pytest.approx(-0.3) and grid.max() == \
        pytest.approx(0.3)
    assert folding_grid((2, 3), ((0, 1), (-1, 1))).tolist() == [
        [0, -1], [0, 0], [0, 1], [1, -1], [1, 0], [1, 1]]


def test_folding_mlp_factored_first_layer_equals_the_concatenation():
    torch.manual_seed(0)
    fold = FoldingMLP(codeword_channels=8, point_channels=2, mid_channels=12)
    code, pts = torch.randn(3, 8), torch.randn(3, 10, 2)
    x = torch.cat([code[:, None].expand(-1, 10, -1), pts], dim=-1)
    for i, layer in enumerate(fold.layers):
        x = layer(x if i == 0 else torch.relu(x))
    torch.testing.assert_close(fold(code, pts), x, rtol=1e-5, atol=1e-6)
    # A point set shared by the batch (the grid) broadcasts.
    torch.testing.assert_close(fold(code, pts[0]), fold(
        code, pts[:1].expand(3, -1, -1)), rtol=1e-6, atol=1e-6)


def test_head_reconstructs_grid_sized_clouds_and_checks_the_codeword():
    model = build()
    head = model.head
    assert head.num_points == GRID[0] * GRID[1]
    assert model.head(torch.randn(4, CODE)).shape == (4, 42, 3)
    with pytest.raises(ValueError, match=r'expects a \(B, 16\) codeword'):
        head(torch.randn(4, CODE + 1))


# ---------------------------------------------------------------- encoder


def test_local_covariance_is_the_neighbourhood_covariance():
    xyz = points(2, 32, seed=7)
    idx = knn(16, xyz)
    cov = local_covariance(xyz, idx)
    assert cov.shape == (2, 32, 9)
    nb = xyz[1][idx[1, 5]].numpy()  # (16, 3)
    np.testing.assert_allclose(cov[1, 5].reshape(3, 3).numpy(),
                               np.cov(nb.T, bias=True), rtol=1e-4,
                               atol=1e-6)


def test_encoder_exposes_point_level_and_global_features():
    init_default_scope('mmdet3d')
    enc = MODELS.build(dict(type='FoldingNetEncoder'))  # published sizes
    out = enc(points(2, 128))
    assert out['point_feats'].shape == (2, 128, 1024)
    assert [f.shape for f in out['level_feats']] == [(2, 128, 64),
                                                     (2, 128, 128)]
    torch.testing.assert_close(out['global_feat'],
                               out['point_feats'].max(1)[0])
    assert (enc.point_channels, enc.level_channels) == (1024, [64, 128])
    # Permuting the points permutes the point features, not the global one.
    perm = torch.randperm(128, generator=torch.Generator().manual_seed(0))
    again = enc(points(2, 128)[:, perm])
    torch.testing.assert_close(again['global_feat'], out['global_feat'],
                               rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match=r'\(B, N, 3\)'):
        enc(points(2, 128)[..., :2])
    # Untrained, the global features already tell shapes apart (ConvModule's
    # initialisation of the point-wise layers; PyTorch's bias-dominated
    # default leaves them ~1e-3 of their size apart).
    glob = enc(points(8, 128, seed=9))['global_feat']
    assert (glob.std(0) / glob.abs().mean(0)).mean() > 0.05


# ---------------------------------------------------------------- model


def test_loss_is_finite_and_its_gradient_reaches_the_encoder():
    model = build()
    data = model.data_preprocessor(dict(inputs=dict(points=list(points()))),
                                   True)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_chamfer'}
    assert torch.isfinite(losses['loss_chamfer'])
    losses['loss_chamfer'].backward()
    first = model.backbone.mlp[0][0].weight.grad
    assert first is not None and first.abs().sum() > 0
    assert model.neck.layers[0].weight.grad.abs().sum() > 0
    assert model.head.fold1.layers[0].weight.grad.abs().sum() > 0


def test_predict_fills_reconstruction_and_codeword():
    model = build().eval()
    pts = points()
    samples = [DataSample().set_gt_label(i) for i in range(3)]
    with torch.no_grad():
        out = model(dict(points=pts), samples, mode='predict')
        codeword = model.extract_feat(dict(points=pts))
        recon = model(dict(points=pts), mode='tensor')
    assert out is samples
    assert codeword.shape == (3, CODE) and recon.shape == (3, 42, 3)
    for i, s in enumerate(out):
        assert s.pred_points.shape == (42, 3)
        torch.testing.assert_close(s.codeword, codeword[i])
        torch.testing.assert_close(s.pred_points, recon[i])
        assert int(s.gt_label) == i
    # Without data samples, new ones.
    with torch.no_grad():
        fresh = model.predict(dict(points=pts))
    assert len(fresh) == 3 and fresh[0].codeword.shape == (CODE, )


def test_reconstruction_loss_decreases_on_a_fixed_batch():
    model = build(seed=1)
    inputs = dict(points=points(4, N, seed=8))
    optim = torch.optim.Adam(model.parameters(), lr=1e-2)
    history = []
    for _ in range(30):
        loss = model.loss(inputs)['loss_chamfer']
        optim.zero_grad()
        loss.backward()
        optim.step()
        history.append(loss.item())
    # 1.12 -> 0.74 with this seed; the floor is far from 0 (42 grid points
    # against 64 random ones).
    assert history[-1] < 0.75 * history[0], history
    assert min(history[-5:]) < min(history[:5])


def test_dgcnn_encoder_option_builds_and_trains():
    cfg = dict(TINY_AE,
               backbone=dict(type='DGCNNEncoder', k=8,
                             edge_channels=(8, 8, 16, 16), embed_channels=32,
                             global_pool=('max', )),
               neck=dict(type='CodewordNeck', in_channels=32,
                         channels=(CODE, CODE)))
    model = build(cfg)
    losses = model.loss(dict(points=points()))
    losses['loss_chamfer'].backward()
    assert model.backbone.edge_convs[0].conv.weight.grad.abs().sum() > 0
    # A neck sized for the encoder's width, or an error saying so.
    bad = build(dict(cfg, backbone=dict(cfg['backbone'],
                                        global_pool=('max', 'avg'))))
    with pytest.raises(ValueError, match="in_channels to the encoder"):
        bad.extract_feat(dict(points=points()))


@pytest.mark.parametrize('views', [12, 16])
def test_pointmcd_distiller_wraps_the_auto_encoder(views):
    """The distiller records the encoder's (B, N, C) point_feats (the
    default feat_source='backbone', feat_key='point_feats'), pools them
    per view (VAFP) and adds loss_distill to the scaled loss_chamfer."""
    init_default_scope('mmdet3d')
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='PointMCDDistiller', student=TINY_AE,
        vafp=dict(type='VAFP', in_channels=POINT_C, out_channels=8),
        distill_loss=dict(type='MultiViewDistillLoss'),
        task_loss_weight=0.1))
    gen = torch.Generator().manual_seed(0)
    samples = []
    for _ in range(2):
        s = DataSample()
        s.visibility = torch.rand(N, views, generator=gen) > 0.5
        s.teacher_descriptors = torch.rand(views, 8, generator=gen)
        samples.append(s)
    data = model.data_preprocessor(
        dict(inputs=dict(points=list(points(2))), data_samples=samples),
        True)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_chamfer', 'loss_distill'}
    plain = model.student.loss(data['inputs'])['loss_chamfer']
    assert losses['loss_chamfer'].item() == pytest.approx(
        0.1 * plain.item(), rel=1e-5)
    losses['loss_distill'].backward()
    assert model.student.backbone.mlp[0][0].weight.grad.abs().sum() > 0
    out = model(**data, mode='predict')
    assert out[0].codeword.shape == (CODE, )
