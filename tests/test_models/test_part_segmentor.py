"""PointPartSegmentor + PartSegHead: the three-mode forward over DGCNN,
PointNet and mmdet3d's PointNet++, category conditioning, prediction
restricted to the category's parts in mmdet3d's fields, the configs'
architecture, and PointMCDDistiller around the segmentor unchanged."""
import copy
import os.path as osp

import pytest
import torch
from mmdet3d.registry import MODELS
from mmdet3d.structures import Det3DDataSample, PointData
from mmengine.config import Config
from mmengine.registry import init_default_scope
from torch import nn

import pointmcd_plugin  # noqa: F401

from ..conftest import REPO_ROOT

N, PARTS, CATEGORIES = 48, 7, 3
# Category -> its parts in the shared label space.
PART_IDS = {0: (0, 1), 1: (2, 3, 4), 2: (5, 6)}
LOSS = dict(type='mmpretrain.LabelSmoothLoss', label_smooth_val=0.2,
            mode='original')


def head(in_channels, **kwargs):
    cfg = dict(type='PartSegHead', in_channels=in_channels,
               num_parts=PARTS, num_categories=CATEGORIES,
               category_channels=8, mid_channels=(16, 16, 8), loss=LOSS)
    cfg.update(kwargs)
    return cfg


DGCNN = dict(
    type='PointPartSegmentor',
    backbone=dict(type='DGCNNEncoder', k=6, edge_channels=(8, 8, 8),
                  embed_channels=32, global_pool=('max', )),
    head=head(3 * 8 + 32 + 8))
POINTNET = dict(
    type='PointPartSegmentor',
    backbone=dict(type='PointNetEncoder', channels=(8, 8, 16, 32),
                  feature_transform=True, feature_transform_after=2),
    head=head(8 + 8 + 16 + 32 + 32 + 8,
              point_feats=('level_feats.0', 'level_feats.1',
                           'level_feats.2', 'level_feats.3'),
              act_cfg=dict(type='ReLU')))
POINTNET2 = dict(
    type='PointPartSegmentor',
    backbone=dict(type='PointNet2SASSG', in_channels=3, num_points=(16, 8),
                  radius=(0.4, 0.8), num_samples=(8, 8),
                  sa_channels=((8, 16), (16, 32)),
                  fp_channels=((32, 16), (16, 16)),
                  sa_cfg=dict(type='PointSAModule', pool_mod='max',
                              use_xyz=True, normalize_xyz=False)),
    neck=dict(type='GlobalSANeck',
              sa_cfg=dict(type='PointSAModule', num_point=None, radius=None,
                          num_sample=None, mlp_channels=[32, 32, 64],
                          use_xyz=True)),
    head=head(16 + 64 + 8, point_feats=('fp_features.-1', ),
              channels_first=True, mid_channels=(16, ), dropout_after=(0, )))
STUDENTS = dict(dgcnn=DGCNN, pointnet=POINTNET, pointnet2=POINTNET2)


def build(cfg):
    init_default_scope('mmdet3d')
    torch.manual_seed(0)
    # A copy: mmdet3d's SA modules add 3 to mlp_channels[0] in place.
    return MODELS.build(copy.deepcopy(cfg))


def batch(b=4, seed=0):
    """Preprocessed inputs and Det3DDataSamples as PackPartSegInputs makes
    them: labels in gt_pts_seg, category and part_ids in metainfo."""
    gen = torch.Generator().manual_seed(seed)
    samples = []
    for i in range(b):
        cat = i % CATEGORIES
        parts = torch.tensor(PART_IDS[cat])
        s = Det3DDataSample(metainfo=dict(sample_idx=i, category=cat,
                                          part_ids=PART_IDS[cat]))
        s.gt_pts_seg = PointData(pts_semantic_mask=parts[torch.randint(
            len(parts), (N, ), generator=gen)])
        samples.append(s)
    points = torch.rand(b, N, 3, generator=gen) * 2 - 1
    return dict(inputs=dict(points=points), data_samples=samples)


@pytest.mark.parametrize('student', STUDENTS)
def test_three_modes_over_each_student(student):
    model = build(STUDENTS[student])
    data = batch()
    losses = model(**data, mode='loss')
    expected = {'loss_seg'} | ({'loss_feat_transform'}
                               if student == 'pointnet' else set())
    assert set(losses) == expected
    assert losses['loss_seg'].ndim == 0 and losses['loss_seg'] > 0
    sum(losses.values()).backward()
    assert all(p.grad is not None for p in model.head.parameters())
    model.eval()
    with torch.no_grad():
        logits = model(**data, mode='tensor')
        out = model(**data, mode='predict')
    assert logits.shape == (4, PARTS, N)
    for sample, logit in zip(out, logits):
        pred = sample.pred_pts_seg.pts_semantic_mask
        assert pred.shape == (N, ) and pred.dtype == torch.int64
        assert set(pred.tolist()) <= set(sample.metainfo['part_ids'])
        torch.testing.assert_close(sample.pts_seg_logits.pts_seg_logits,
                                   logit)
        assert sample.gt_pts_seg.pts_semantic_mask.shape == (N, )


def test_prediction_is_the_argmax_over_the_categorys_parts_only():
    model = build(DGCNN).eval()
    # Part 6 (of category 2) dominates every point's logits; shapes of the
    # other categories still predict their own parts, and among them the
    # one with the larger logit.
    with torch.no_grad():
        model.head.cls_seg.bias.copy_(
            torch.tensor([0., 1., 0., 0., 3., 0., 100.]))
        model.head.cls_seg.weight.mul_(1e-3)
        out = model(**batch(3), mode='predict')
    preds = [s.pred_pts_seg.pts_semantic_mask for s in out]
    assert (preds[0] == 1).all() and (preds[1] == 4).all()
    assert (preds[2] == 6).all()
    for s in out:  # the logits keep every part
        assert (s.pts_seg_logits.pts_seg_logits.argmax(0) == 6).all()


def test_the_category_conditions_the_logits():
    model = build(DGCNN).eval()
    data = batch(2)
    data['inputs']['points'][1] = data['inputs']['points'][0]
    with torch.no_grad():
        logits = model(**data, mode='tensor')
    assert data['data_samples'][0].metainfo['category'] != \
        data['data_samples'][1].metainfo['category']
    assert not torch.allclose(logits[0], logits[1])


def test_the_head_reads_the_level_and_global_features_it_names():
    """The head's input is [levels, global broadcast, lifted one-hot]:
    replacing the first MLP layer by a probe shows its columns."""
    model = build(DGCNN).eval()
    data = batch(2)
    seen = {}
    layer = model.head.mlp[0]
    layer.register_forward_hook(
        lambda mod, args, out: seen.update(x=args[0]))
    with torch.no_grad():
        model(**data, mode='tensor')
        feats = model.backbone(data['inputs']['points'])
    x = seen['x']  # (B, C, N)
    assert x.shape == (2, 3 * 8 + 32 + 8, N)
    levels = torch.cat(feats['level_feats'], dim=-1).transpose(1, 2)
    torch.testing.assert_close(x[:, :24], levels)
    glob = feats['point_feats'].amax(dim=1)  # global max of the embedding
    torch.testing.assert_close(x[:, 24:56],
                               glob.unsqueeze(-1).expand(-1, -1, N))
    # The lifted one-hot is the same at every point.
    torch.testing.assert_close(x[:, 56:], x[:, 56:, :1].expand(-1, -1, N))


def test_the_segmentor_learns_parts_given_by_the_geometry():
    model = build(dict(DGCNN, head=head(64, dropout_ratio=0.0)))
    data = batch(3)
    for s, points in zip(data['data_samples'], data['inputs']['points']):
        # The part is the slab of x the point lies in, among the
        # category's parts.
        parts = torch.tensor(s.metainfo['part_ids'])
        slab = ((points[:, 0] + 1) / 2 * len(parts)).long().clamp(
            max=len(parts) - 1)
        s.gt_pts_seg.pts_semantic_mask = parts[slab]
    optim = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(60):
        optim.zero_grad()
        sum(model(**data, mode='loss').values()).backward()
        optim.step()
    model.eval()
    with torch.no_grad():
        out = model(**data, mode='predict')
    acc = torch.cat([(s.pred_pts_seg.pts_semantic_mask ==
                      s.gt_pts_seg.pts_semantic_mask).float() for s in out])
    assert acc.mean() > 0.9


def test_errors_say_what_to_set():
    model = build(dict(DGCNN, head=head(100)))
    with pytest.raises(ValueError, match=r'set in_channels=64'):
        model(**batch(), mode='tensor')
    model = build(DGCNN)
    data = batch()
    data['data_samples'][0].set_metainfo(dict(category=5))
    with pytest.raises(ValueError, match='num_categories=3'):
        model(**data, mode='tensor')
    with pytest.raises(ValueError, match='conditioned on the shape'):
        model(batch()['inputs'], None, mode='tensor')
    data = batch()
    del data['data_samples'][0].gt_pts_seg
    with pytest.raises(KeyError, match='gt_pts_seg.pts_semantic_mask'):
        model(**data, mode='loss')
    data = batch()
    data['data_samples'][1].gt_pts_seg.pts_semantic_mask[0] = PARTS
    with pytest.raises(ValueError, match=f'num_parts={PARTS}'):
        model(**data, mode='loss')
    with pytest.raises(KeyError, match="'level_feats.7'"):
        build(dict(DGCNN, head=head(64, point_feats=('level_feats.7', ))))(
            **batch(), mode='tensor')


def test_samples_packed_by_mmdet3ds_packer_are_understood():
    """mmdet3d's Pack3DDetInputs (pts_semantic_mask, metainfo category /
    part_ids) makes the samples the segmentor reads."""
    from mmdet3d.registry import TRANSFORMS
    from mmdet3d.structures import LiDARPoints
    model = build(DGCNN).eval()
    ours = batch(2)
    pack = TRANSFORMS.build(dict(
        type='Pack3DDetInputs', keys=['points', 'pts_semantic_mask'],
        meta_keys=('sample_idx', 'category', 'part_ids')))
    packed = [
        pack(dict(points=LiDARPoints(p, points_dim=3),
                  pts_semantic_mask=s.gt_pts_seg.pts_semantic_mask.numpy(),
                  **s.metainfo))
        for p, s in zip(ours['inputs']['points'], ours['data_samples'])]
    theirs = model.data_preprocessor(dict(
        inputs=dict(points=[p['inputs']['points'] for p in packed]),
        data_samples=[p['data_samples'] for p in packed]))
    with torch.no_grad():
        a = model(**ours, mode='predict')
        b = model(**theirs, mode='predict')
    for x, y in zip(a, b):
        torch.testing.assert_close(x.pred_pts_seg.pts_semantic_mask,
                                   y.pred_pts_seg.pts_semantic_mask)
    assert set(model(**theirs, mode='loss')) == {'loss_seg'}


@pytest.mark.parametrize('name,widths,dropout', [
    ('dgcnn_partseg', [1280, 256, 'dropout', 256, 'dropout', 128, 50], 0.5),
    ('pointnet_partseg', [2432, 256, 'dropout', 256, 'dropout', 128, 50],
     0.2),
    ('pointnet2_ssg_partseg', [1216, 128, 'dropout', 50], 0.5),
])
def test_the_model_bases_build_the_described_networks(name, widths, dropout):
    cfg = Config.fromfile(
        osp.join(REPO_ROOT, 'configs', '_base_', 'models', name + '.py'))
    model = build(cfg.model)
    layers = list(model.head.mlp) + [model.head.cls_seg]
    chain = [layers[0].conv.in_channels]
    for layer in layers:
        if isinstance(layer, nn.Dropout):
            assert layer.p == dropout
            chain.append('dropout')
        else:
            conv = getattr(layer, 'conv', layer)
            assert conv.in_channels == [c for c in chain
                                        if c != 'dropout'][-1]
            chain.append(conv.out_channels)
    assert chain == widths
    assert model.head.category_embed.conv.out_channels == 64
    if name == 'dgcnn_partseg':
        assert model.backbone.k == 40
        assert model.backbone.level_channels == [64, 64, 64]
        assert model.backbone.point_channels == 1024
        assert model.backbone.global_channels == 1024


# --- PointMCDDistiller around the segmentor, config only ------------------

K, D = 4, 12


def distiller(task_loss_weight=0.1, student=DGCNN, in_channels=32,
              **kwargs):
    init_default_scope('mmdet3d')
    return MODELS.build(dict(
        type='PointMCDDistiller', student=copy.deepcopy(student),
        vafp=dict(type='VAFP', in_channels=in_channels, out_channels=D),
        distill_loss=dict(type='MultiViewDistillLoss'),
        task_loss_weight=task_loss_weight, **kwargs))


def with_knowledge(data, seed=1):
    """Attach hand-made visibility (N, K) and teacher descriptors (K, D)."""
    gen = torch.Generator().manual_seed(seed)
    for s in data['data_samples']:
        s.visibility = torch.rand(N, K, generator=gen) > 0.5
        s.teacher_descriptors = torch.rand(K, D, generator=gen)
    return data


def test_the_distiller_predicts_as_the_segmentor():
    segmentor = build(DGCNN).eval()
    model = distiller().eval()
    model.student.load_state_dict(segmentor.state_dict())
    with torch.no_grad():
        ours = model(**batch(), mode='predict')
        theirs = segmentor(**batch(), mode='predict')
    for a, b in zip(ours, theirs):
        torch.testing.assert_close(a.pred_pts_seg.pts_semantic_mask,
                                   b.pred_pts_seg.pts_semantic_mask)
        torch.testing.assert_close(a.pts_seg_logits.pts_seg_logits,
                                   b.pts_seg_logits.pts_seg_logits)


@pytest.mark.parametrize('student', ['dgcnn', 'pointnet'])
def test_the_distiller_adds_the_distillation_to_the_scaled_task_loss(
        student):
    model = distiller(0.1, STUDENTS[student]).eval()  # no dropout, BN frozen
    data = with_knowledge(batch())
    losses = model(**data, mode='loss')
    own = model.student(**data, mode='loss')
    assert set(losses) == set(own) | {'loss_distill'}
    torch.testing.assert_close(losses['loss_seg'], 0.1 * own['loss_seg'])
    if student == 'pointnet':  # its regulariser keeps its own weight
        torch.testing.assert_close(losses['loss_feat_transform'],
                                   own['loss_feat_transform'])
    # By hand: the recorded point-wise embedding before the global max
    # (1024-d in the configs, 32-d here), VAFP over each view's visible
    # points, L1 to the hand-made knowledge.
    with torch.no_grad():
        feats = model.student.backbone(data['inputs']['points'])
        assert feats['point_feats'].shape == (4, N, 32)
        vis = torch.stack([s.visibility for s in data['data_samples']])
        out = model.vafp(feats['point_feats'], vis)
        target = torch.stack([s.teacher_descriptors
                              for s in data['data_samples']])
        expected = model.distill_loss(out['descriptors'], target,
                                      out['valid'])
    torch.testing.assert_close(losses['loss_distill'], expected)
    total, _ = model.parse_losses(losses)
    torch.testing.assert_close(
        total, sum(v for k, v in own.items() if k != 'loss_seg') +
        0.1 * own['loss_seg'] + expected)
    model.train()
    sum(model(**with_knowledge(batch()), mode='loss').values()).backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0
               for p in model.student.backbone.parameters())


def test_the_distiller_wraps_mmdet3ds_pointnet2_segmentor_by_config():
    """As for classification: the last anchored set-abstraction level and
    the anchors' indices into the points."""
    model = distiller(0.1, POINTNET2, in_channels=32, feat_key='sa_features',
                      feat_index=-1, channels_first=True,
                      index_key='sa_indices')
    losses = model(**with_knowledge(batch()), mode='loss')
    assert set(losses) == {'loss_seg', 'loss_distill'}
    assert losses['loss_distill'] > 0
    sum(losses.values()).backward()
    assert model.student.backbone.SA_modules[-1].mlps[0].layer0.conv \
        .weight.grad.abs().sum() > 0
