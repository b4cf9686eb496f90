"""The students' shared interface, as a part segmentor and an auto-encoder
will read it: point-wise features, per-level features and a global feature
(``point_feats`` / ``level_feats`` / ``global_feat`` for this plugin's
encoders, ``sa_*`` / ``fp_*`` for mmdet3d's PointNet++), each checked to be
the output of the layer it names (forward hooks), not only its shape."""
import math

import pytest
import torch
from mmdet3d.registry import MODELS
from mmengine.model import BaseModel
from mmpretrain.structures import DataSample

import pointmcd_plugin  # noqa: F401  (CPU point ops for PointNet++)
from pointmcd_plugin.models import (DGCNNEncoder, PointNetEncoder,
                                    feature_transform_regularizer)

B, N = 2, 64


def record_outputs(modules):
    """Forward hooks storing each module's output in a list."""
    seen = [None] * len(modules)

    def hook(i):
        return lambda m, args, out: seen.__setitem__(i, out)

    handles = [m.register_forward_hook(hook(i)) for i, m in enumerate(modules)]
    return seen, handles


def segmentor_and_codeword(out):
    """What a DGCNN / PointNet part segmentor and an auto-encoder take:
    per-point [levels..., global] and the (B, G) codeword."""
    glob = out['global_feat']
    n = out['point_feats'].shape[1]
    per_point = torch.cat(
        out['level_feats'] + [glob.unsqueeze(1).expand(-1, n, -1)], dim=-1)
    return per_point, glob


def assert_is_output(feat, layer_out):
    """``feat`` (B, N, C) is the (B, C, N) ``layer_out`` itself, channels
    last (same storage, no copy)."""
    assert feat.shape == layer_out.transpose(1, 2).shape
    assert torch.equal(feat, layer_out.transpose(1, 2))
    assert feat.data_ptr() == layer_out.data_ptr()


def test_dgcnn_levels_are_its_edge_conv_outputs():
    torch.manual_seed(0)
    model = DGCNNEncoder(k=8, edge_channels=(16, 16, 32), embed_channels=48)
    levels, _ = record_outputs(list(model.edge_convs))
    embed, _ = record_outputs([model.embed])
    points = torch.randn(B, N, 3, requires_grad=True)
    out = model(points)
    assert [f.shape for f in out['level_feats']] == [
        (B, N, 16), (B, N, 16), (B, N, 32)]
    assert model.level_channels == [16, 16, 32]
    for feat, layer_out in zip(out['level_feats'], levels):
        assert_is_output(feat, layer_out)
    assert_is_output(out['point_feats'], embed[0])
    pf = out['point_feats']
    torch.testing.assert_close(
        out['global_feat'], torch.cat([pf.amax(1), pf.mean(1)], dim=-1))
    per_point, codeword = segmentor_and_codeword(out)
    assert per_point.shape == (B, N, 16 + 16 + 32 + 96)
    assert codeword.shape == (B, model.global_channels)
    # A per-point loss on the first level reaches the first layer only
    # through that level.
    out['level_feats'][0].sum().backward()
    assert model.edge_convs[0].conv.weight.grad.abs().sum() > 0
    assert model.edge_convs[1].conv.weight.grad is None


@pytest.mark.parametrize('feature_transform', [False, True])
def test_pointnet_levels_are_its_mlp_outputs(feature_transform):
    torch.manual_seed(0)
    model = PointNetEncoder(channels=(16, 16, 32, 64),
                            feature_transform=feature_transform)
    levels, _ = record_outputs(list(model.mlps))
    inputs = []
    model.mlps[2].register_forward_pre_hook(
        lambda m, args: inputs.append(args[0]))
    out = model(torch.randn(B, N, 3))
    assert [f.shape for f in out['level_feats']] == [
        (B, N, c) for c in (16, 16, 32, 64)]
    for feat, layer_out in zip(out['level_feats'], levels):
        assert_is_output(feat, layer_out)
    assert_is_output(out['point_feats'], levels[-1])
    torch.testing.assert_close(out['global_feat'],
                               out['point_feats'].amax(1))
    if feature_transform:
        trans = out['feat_transform']
        assert trans.shape == (B, 16, 16)  # the width after mlp(16, 16)
        # Level 1 is the feature before the transform; layer 2 reads x A.
        torch.testing.assert_close(
            inputs[0], torch.bmm(out['level_feats'][1], trans).transpose(1, 2))
    else:
        assert 'feat_transform' not in out
        assert inputs[0] is levels[1]
    per_point, codeword = segmentor_and_codeword(out)
    assert per_point.shape == (B, N, 16 + 16 + 32 + 64 + 64)
    assert codeword.shape == (B, 64)


def test_feature_transform_regularizer_by_hand():
    """mean_b ||I - A_b A_b^T||_F: 0 for an orthogonal A, 3 sqrt(C) for
    2I, and an explicit sum of squares for a random A."""
    c = 4
    q = torch.linalg.qr(torch.randn(c, c))[0]
    assert feature_transform_regularizer(q[None]).item() < 1e-5
    two = 2 * torch.eye(c)[None]
    torch.testing.assert_close(feature_transform_regularizer(two),
                               torch.tensor(3 * math.sqrt(c)))
    a = torch.randn(3, c, c, generator=torch.Generator().manual_seed(0))
    norms = []
    for b in range(3):
        sq = 0.0
        for i in range(c):
            for j in range(c):
                aat = sum(a[b, i, k].item() * a[b, j, k].item()
                          for k in range(c))
                sq += ((1.0 if i == j else 0.0) - aat)**2
        norms.append(math.sqrt(sq))
    torch.testing.assert_close(feature_transform_regularizer(a),
                               torch.tensor(sum(norms) / 3))


def build_pointnet_classifier(reg_weight=None):
    backbone = dict(type='PointNetEncoder', channels=(16, 16, 32),
                    feature_transform=True)
    if reg_weight is not None:
        backbone['feature_transform_reg_weight'] = reg_weight
    return MODELS.build(dict(
        type='PointClassifier', backbone=backbone,
        head=dict(type='mmpretrain.LinearClsHead', num_classes=3,
                  in_channels=32,
                  loss=dict(type='mmpretrain.CrossEntropyLoss'))))


def classifier_batch(model):
    data = dict(inputs=dict(points=[torch.randn(N, 3) for _ in range(B)]),
                data_samples=[DataSample().set_gt_label(i % 3)
                              for i in range(B)])
    return model.data_preprocessor(data, training=True)


@pytest.mark.parametrize('reg_weight', [None, 0.5])
def test_feature_transform_regulariser_reaches_the_classifier_losses(
        reg_weight):
    torch.manual_seed(0)
    model = build_pointnet_classifier(reg_weight)
    recorded, _ = record_outputs([model.backbone])
    losses = model.loss(**classifier_batch(model))
    assert set(losses) == {'loss_cls', 'loss_feat_transform'}
    weight = 0.001 if reg_weight is None else reg_weight
    trans = recorded[0]['feat_transform']
    eye = torch.eye(16)
    by_hand = torch.stack([torch.linalg.norm(eye - t @ t.T)
                           for t in trans]).mean()
    torch.testing.assert_close(losses['loss_feat_transform'],
                               weight * by_hand)
    total, log_vars = BaseModel.parse_losses(model, losses)
    torch.testing.assert_close(
        total, losses['loss_cls'] + losses['loss_feat_transform'])
    # The regulariser trains the feature T-Net and the layer before it,
    # not the head.
    losses['loss_feat_transform'].backward()
    assert model.backbone.fstn.fc.weight.grad.abs().sum() > 0
    assert model.backbone.mlps[0].conv.weight.grad.abs().sum() > 0
    assert all(p.grad is None for p in model.head.parameters())


def test_feature_transform_regulariser_gradient_at_identity_is_zero():
    """init_weights puts the T-Net exactly at A = I, where the norm is 0:
    its gradient there must be 0, not NaN."""
    torch.manual_seed(0)
    model = build_pointnet_classifier()
    model.init_weights()
    losses = model.loss(**classifier_batch(model))
    assert losses['loss_feat_transform'].item() == 0
    sum(losses.values()).backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    assert grads and all(torch.isfinite(g).all() for g in grads)
    assert model.backbone.fstn.fc.weight.grad.abs().sum() > 0  # loss_cls


@pytest.mark.parametrize('fp_channels', [(), ((32, ), (32, ))],
                         ids=['sa_only', 'with_fp'])
def test_pointnet2_levels_are_its_sa_and_fp_outputs(fp_channels):
    """mmdet3d's PointNet2SASSG on CPU: ``sa_features[l + 1]`` is SA
    module l's output at the points ``sa_indices[l + 1]`` of the input;
    ``fp_features[i + 1]`` is FP module i's, the last one at every input
    point when there are as many FP levels as SA levels."""
    from mmdet3d.models.backbones import PointNet2SASSG
    torch.manual_seed(0)
    model = PointNet2SASSG(
        in_channels=3, num_points=(32, 8), radius=(0.4, 0.8),
        num_samples=(8, 8), sa_channels=((16, 32), (32, 64)),
        fp_channels=fp_channels)
    sa_out, _ = record_outputs(list(model.SA_modules))
    fp_out, _ = record_outputs(list(model.FP_modules))
    xyz = torch.rand(B, N, 3) * 2 - 1
    out = model(xyz)
    assert [f.shape for f in out['sa_features'][1:]] == [
        (B, 32, 32), (B, 64, 8)]
    for level, (new_xyz, new_feats, _) in enumerate(sa_out, start=1):
        assert out['sa_features'][level] is new_feats
        assert out['sa_xyz'][level] is new_xyz
        idx = out['sa_indices'][level]
        torch.testing.assert_close(
            new_xyz, torch.stack([xyz[b, idx[b]] for b in range(B)]))
    assert out['fp_features'][0] is out['sa_features'][-1]
    for i, feats in enumerate(fp_out, start=1):
        assert out['fp_features'][i] is feats
    if fp_channels:
        assert [f.shape for f in out['fp_features'][1:]] == [
            (B, 32, 32), (B, 32, N)]
        assert torch.equal(out['fp_indices'][-1],
                           torch.arange(N).expand(B, -1))
        # A part segmentor reads point-wise features of every input point.
        point_feats = out['fp_features'][-1].transpose(1, 2)
        assert point_feats.shape == (B, N, 32)
    else:
        assert len(out['fp_features']) == 1
    # The global feature (GlobalSANeck without an SA config: max pool).
    from pointmcd_plugin.models.necks import GlobalSANeck
    torch.testing.assert_close(GlobalSANeck()(out),
                               out['sa_features'][-1].amax(-1))
