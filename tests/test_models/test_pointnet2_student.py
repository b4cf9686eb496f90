"""mmdet3d's PointNet++ as a classification student on CPU: the plugin's
classifier with a global set-abstraction neck, distilled by the same
PointMCDDistiller at the anchors of its last set-abstraction level."""
import os.path as osp

import pytest
import torch
from mmdet3d.registry import MODELS
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpretrain.structures import DataSample

import pointmcd_plugin  # noqa: F401
from pointmcd_plugin.models.necks import GlobalSANeck

from ..conftest import REPO_ROOT

K, N, B = 4, 512, 4


def _cfg(name):
    init_default_scope('mmdet3d')
    return Config.fromfile(osp.join(REPO_ROOT, 'configs', name)).model


def _batch(gen, with_distill=True):
    samples = []
    for i in range(B):
        s = DataSample().set_gt_label(i % 12)
        if with_distill:
            s.visibility = torch.rand(N, K, generator=gen) > 0.6
            s.teacher_descriptors = torch.rand(K, 512, generator=gen)
        samples.append(s)
    points = [torch.rand(N, 3, generator=gen) * 2 - 1 for _ in range(B)]
    return dict(inputs=dict(points=points), data_samples=samples)


def test_pointnet2_classifier_trains_and_predicts_on_cpu():
    torch.manual_seed(0)
    model = MODELS.build(_cfg('pointnet2_synthetic.py'))
    data = model.data_preprocessor(
        _batch(torch.Generator().manual_seed(0), False), True)
    feats = model.extract_point_feat(data['inputs'])
    assert [f.shape[-1] for f in feats['sa_features'][1:]] == [256, 64]
    assert model.extract_feat(data['inputs'])[0].shape == (B, 1024)
    losses = model.loss(**data)
    losses['loss_cls'].backward()
    assert model.backbone.SA_modules[0].mlps[0][0].conv.weight.grad \
        .abs().sum() > 0
    model.eval()
    preds = model.predict(**data)
    assert preds[0].pred_score.shape == (12, )


def test_global_sa_neck_pooling_and_errors():
    feats = dict(sa_xyz=[torch.rand(2, 10, 3)],
                 sa_features=[torch.randn(2, 6, 10)])
    torch.testing.assert_close(GlobalSANeck()(feats),
                               feats['sa_features'][0].amax(-1))
    torch.testing.assert_close(GlobalSANeck(pool='avg')(feats),
                               feats['sa_features'][0].mean(-1))
    sa_cfg = dict(type='PointSAModule', num_point=None, radius=None,
                  num_sample=None, mlp_channels=[6, 8])
    glob = GlobalSANeck(sa_cfg=sa_cfg)
    assert glob(feats).shape == (2, 8)
    # One config builds any number of necks (mmdet3d widens mlp_channels[0]
    # in place).
    assert GlobalSANeck(sa_cfg=sa_cfg)(feats).shape == (2, 8)
    assert sa_cfg['mlp_channels'] == [6, 8]
    with pytest.raises(ValueError, match='num_point must be None'):
        GlobalSANeck(sa_cfg=dict(type='PointSAModule', num_point=4,
                                 radius=0.2, num_sample=4,
                                 mlp_channels=[6, 8]))
    with pytest.raises(KeyError, match="the backbone returned \\['point"):
        GlobalSANeck()(dict(point_feats=torch.rand(2, 10, 6)))


def test_distiller_pools_pointnet2_anchors_with_their_visibility():
    torch.manual_seed(0)
    cfg = _cfg('pointmcd_pointnet2_synthetic.py')
    model = MODELS.build(cfg)
    data = model.data_preprocessor(
        _batch(torch.Generator().manual_seed(1)), True)
    seen = {}
    model.vafp.register_forward_hook(
        lambda m, args, out: seen.update(args=args, out=out))
    losses = model.loss(**data)
    assert set(losses) == {'loss_cls', 'loss_distill'}
    feats, visibility, indices = seen['args']
    rec = model.recorder.output
    assert feats.shape == (B, 64, 256)  # (B, M anchors, C), channels last
    torch.testing.assert_close(feats,
                               rec['sa_features'][-1].transpose(1, 2))
    assert torch.equal(indices, rec['sa_indices'][-1])
    # Brute force: per view, max over the visible anchors.
    vis_at = torch.stack([visibility[b, indices[b]] for b in range(B)])
    for b in range(B):
        for k in range(K):
            if vis_at[b, :, k].any():
                ref = feats[b][vis_at[b, :, k]].amax(0)
                torch.testing.assert_close(seen['out']['pooled'][b, k], ref)
            else:
                assert not seen['out']['valid'][b, k]


@pytest.mark.slow
def test_distillation_loss_decreases_with_a_pointnet2_student():
    torch.manual_seed(0)
    model = MODELS.build(_cfg('pointmcd_pointnet2_synthetic.py'))
    gen = torch.Generator().manual_seed(2)
    data = model.data_preprocessor(_batch(gen), True)
    for s in data['data_samples']:  # one descriptor per shape, all views
        s.teacher_descriptors = torch.rand(1, 512, generator=gen) \
            .expand(K, -1).clone()
    # The distillation loss alone reaches the backbone's first layer.
    model.loss(**data)['loss_distill'].backward()
    first = model.student.backbone.SA_modules[0].mlps[0][0].conv.weight
    assert first.grad.abs().sum() > 0
    # Adam: the mean L1 over B x K x D gives SGD tiny steps on one batch.
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    history = []
    for _ in range(8):
        losses = model.loss(**data)
        opt.zero_grad()
        sum(losses.values()).backward()
        opt.step()
        history.append(losses['loss_distill'].item())
    # Measured: 0.67 of the first loss after 8 steps (0.55 after 12).
    assert history[-1] < 0.8 * history[0], history
