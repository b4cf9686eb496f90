"""PointMCDDistiller: one wrapper around any student, with cached or
online teacher knowledge; the student's predictions are its own."""
import copy
import logging

import pytest
import torch
from mmdet3d.registry import MODELS
from mmengine.registry import init_default_scope
from mmpretrain.structures import DataSample

import pointmcd_plugin  # noqa: F401

K, N, D, CLASSES = 3, 64, 16, 4
STUDENT = dict(
    type='PointClassifier',
    backbone=dict(type='DGCNNEncoder', in_channels=3, k=4,
                  edge_channels=(8, 8, 16, 16), embed_channels=32),
    head=dict(type='mmpretrain.StackedLinearClsHead', num_classes=CLASSES,
              in_channels=64, mid_channels=[16],
              loss=dict(type='mmpretrain.LabelSmoothLoss',
                        label_smooth_val=0.2, mode='original')))
TEACHER = dict(
    type='MultiViewImageTeacher',
    backbone=dict(type='mmpretrain.MobileNetV2', widen_factor=0.25,
                  out_indices=(7, )),
    descriptor_channels=D,
    head=dict(type='mmpretrain.StackedLinearClsHead', num_classes=CLASSES,
              in_channels=D, mid_channels=[16],
              loss=dict(type='mmpretrain.LabelSmoothLoss',
                        label_smooth_val=0.2, mode='original')))


def distiller(**kwargs):
    init_default_scope('mmdet3d')
    cfg = dict(type='PointMCDDistiller', student=STUDENT,
               vafp=dict(type='VAFP', in_channels=32, out_channels=D),
               distill_loss=dict(type='MultiViewDistillLoss'))
    cfg.update(kwargs)
    return MODELS.build(cfg)


def batch(b=4, cached=True, views=True, k=K, n=N):
    gen = torch.Generator().manual_seed(0)
    samples = []
    for i in range(b):
        s = DataSample().set_gt_label(i % CLASSES)
        s.visibility = torch.rand(n, k, generator=gen) > 0.5
        if cached:
            s.teacher_descriptors = torch.rand(k, D, generator=gen)
        samples.append(s)
    inputs = dict(points=[torch.randn(N, 3, generator=gen)
                          for _ in range(b)])
    if views:
        inputs['img'] = [torch.randint(0, 256, (k, 1, 32, 32),
                                       generator=gen, dtype=torch.uint8)
                         for _ in range(b)]
    return dict(inputs=inputs, data_samples=samples)


def brute_force_distill(model, data, target):
    """The L1 distillation loss computed from scratch: the backbone's point
    features, a max over each view's visible points, the VAFP's FC + BN
    (eval statistics) + ReLU, mean |student - teacher| over D, averaged
    over the views that see a point."""
    feats = model.student.backbone(data['inputs']['points'])['point_feats']
    vis = torch.stack([s.visibility for s in data['data_samples']])
    b, n, c = feats.shape
    pooled = torch.zeros(b, K, c)
    valid = vis.any(1)
    for i in range(b):
        for k in range(K):
            if valid[i, k]:
                pooled[i, k] = feats[i][vis[i, :, k]].max(0).values
    fc, bn = model.vafp.fc, model.vafp.norm
    x = fc(pooled)
    x = (x - bn.running_mean) / torch.sqrt(bn.running_var + bn.eps)
    x = torch.relu(x * bn.weight + bn.bias)
    per_view = (x - target).abs().mean(-1)
    return per_view[valid].mean()


def test_cached_knowledge_scales_the_task_and_adds_the_exact_distillation():
    model = distiller(task_loss_weight=0.1)
    model.vafp.eval()  # BN on its running statistics: computable by hand
    data = model.data_preprocessor(batch(), training=True)
    torch.manual_seed(0)
    losses = model(**data, mode='loss')
    torch.manual_seed(0)
    own = model.student(**data, mode='loss')
    assert set(losses) == set(own) | {'loss_distill'}
    for key, value in own.items():
        if 'loss' in key:
            torch.testing.assert_close(losses[key], 0.1 * value)
    target = torch.stack([s.teacher_descriptors
                          for s in data['data_samples']])
    with torch.no_grad():
        expected = brute_force_distill(model, data, target)
    torch.testing.assert_close(losses['loss_distill'], expected)
    sum(losses.values()).backward()
    for part in (model.student.backbone, model.vafp):
        assert any(p.grad is not None and p.grad.abs().sum() > 0
                   for p in part.parameters())


def test_distillation_off_skips_vafp_with_the_full_paths_losses_and_grads():
    """The loss-scale control (distill loss_weight 0) skips VAFP and the
    teacher; its losses and the gradient of every parameter are those of
    the full path with the distillation term multiplied by 0."""
    skipped = distiller(distill_loss=dict(type='MultiViewDistillLoss',
                                          loss_weight=0.0))
    full = copy.deepcopy(skipped)
    full.distill_loss.loss_weight = 1.0
    distill = full.distill_loss.forward
    full.distill_loss.forward = lambda *args: 0 * distill(*args)
    calls = []
    skipped.vafp.forward = lambda *args: calls.append(args)
    data = skipped.data_preprocessor(batch(), training=True)
    grads = []
    for model in (skipped, full):
        torch.manual_seed(0)
        losses = model(**data, mode='loss')
        total, _ = model.parse_losses(losses)
        total.backward()
        grads.append({n: p.grad for n, p in model.named_parameters()})
        assert losses['loss_distill'].item() == 0
    assert not calls
    assert grads[0].keys() == grads[1].keys()
    for name, grad in grads[1].items():
        assert (grad is None) == (grads[0][name] is None), name
        if grad is not None:
            torch.testing.assert_close(grads[0][name], grad, rtol=0, atol=0)
    assert all(grads[0][n].abs().sum() == 0
               for n, _ in skipped.vafp.named_parameters(prefix='vafp'))
    # It still needs the knowledge PointMCD reads, of the right shape.
    bad = batch()
    for s in bad['data_samples']:
        s.teacher_descriptors = torch.rand(K, D + 1)
    with pytest.raises(ValueError, match=r'do not match.*\(4, 3, 16\)'):
        skipped(**skipped.data_preprocessor(bad, training=True), mode='loss')


def test_list_valued_student_losses_are_scaled_item_by_item():
    model = distiller(task_loss_weight=0.25)
    data = model.data_preprocessor(batch(), training=True)
    parts = [torch.tensor(1.0), torch.tensor(3.0)]
    model.student.loss = lambda inputs, samples: (
        model.student.backbone(inputs['points']),
        dict(loss_parts=list(parts), acc=torch.tensor(0.5),
             loss_feat_transform=torch.tensor(2.0)))[1]
    losses = model(**data, mode='loss')
    # A regulariser with its own weight is not scaled.
    torch.testing.assert_close(losses['loss_feat_transform'],
                               torch.tensor(2.0))
    torch.testing.assert_close(losses['loss_parts'],
                               [torch.tensor(0.25), torch.tensor(0.75)])
    torch.testing.assert_close(losses['acc'], torch.tensor(0.5))
    total, log_vars = model.parse_losses(losses)
    torch.testing.assert_close(
        total, torch.tensor(3.0) + losses['loss_distill'])
    torch.testing.assert_close(log_vars['loss'], total)


def test_online_target_is_the_teachers_view_descriptors(tmp_path):
    init_default_scope('mmdet3d')
    teacher = MODELS.build(TEACHER)
    ckpt = str(tmp_path / 'teacher.pth')
    torch.save(dict(state_dict=teacher.state_dict()), ckpt)
    model = distiller(teacher=TEACHER, teacher_checkpoint=ckpt)
    model.vafp.eval()
    data = model.data_preprocessor(batch(cached=False), training=True)
    losses = model(**data, mode='loss')
    teacher.eval()
    with torch.no_grad():
        views = teacher.data_preprocessor.preprocess_views(
            data['inputs']['img'])
        target = teacher.extract_view_descriptors(views)
        expected = brute_force_distill(model, data, target)
    torch.testing.assert_close(losses['loss_distill'], expected)


def test_teacher_checkpoint_may_be_the_teachers_work_dir(tmp_path):
    init_default_scope('mmdet3d')
    teacher = MODELS.build(TEACHER)
    work_dir = tmp_path / 'teacher_run'
    work_dir.mkdir()
    torch.save(dict(state_dict=teacher.state_dict()),
               str(work_dir / 'epoch_3.pth'))
    (work_dir / 'last_checkpoint').write_text(str(work_dir / 'epoch_3.pth'))
    model = distiller(teacher=TEACHER, teacher_checkpoint=str(work_dir))
    for key, value in teacher.state_dict().items():
        torch.testing.assert_close(model.teacher.state_dict()[key], value)
    with pytest.raises(FileNotFoundError, match='without a last_checkpoint'):
        distiller(teacher=TEACHER, teacher_checkpoint=str(tmp_path))


def test_teacher_without_checkpoint_keeps_its_init_cfg_and_warns(
        tmp_path, monkeypatch):
    init_default_scope('mmdet3d')
    backbone = MODELS.build(TEACHER).backbone
    ckpt = str(tmp_path / 'backbone.pth')
    torch.save(dict(state_dict=backbone.state_dict()), ckpt)
    cfg = copy.deepcopy(TEACHER)
    cfg['backbone']['init_cfg'] = dict(type='Pretrained', checkpoint=ckpt)
    from pointmcd_plugin.models.distillers import pointmcd_distiller
    logged = []
    monkeypatch.setattr(pointmcd_distiller, 'print_log',
                        lambda msg, **kw: logged.append((msg, kw)))
    model = distiller(teacher=cfg)
    warnings = [m for m, kw in logged if kw.get('level') == logging.WARNING]
    assert any('not trained on these views' in m for m in warnings)
    for key, value in backbone.state_dict().items():
        torch.testing.assert_close(
            model.teacher.backbone.state_dict()[key], value)
    assert not model.teacher.training


def test_predict_is_the_students_alone():
    model = distiller().eval()
    data = model.data_preprocessor(batch(cached=False, views=False))
    for s in data['data_samples']:
        del s.visibility  # nothing but points at test time
    with torch.no_grad():
        ours = model(**data, mode='predict')
        theirs = model.student(**data, mode='predict')
    for a, b in zip(ours, theirs):
        torch.testing.assert_close(a.pred_score, b.pred_score)


def test_online_teacher_stays_frozen_and_out_of_optimizer_and_checkpoint(
        tmp_path):
    init_default_scope('mmdet3d')
    teacher = MODELS.build(TEACHER)
    ckpt = str(tmp_path / 'teacher.pth')
    torch.save(dict(state_dict=teacher.state_dict()), ckpt)
    model = distiller(teacher=TEACHER, teacher_checkpoint=ckpt)
    loaded = model.teacher
    for key, value in teacher.state_dict().items():
        torch.testing.assert_close(loaded.state_dict()[key], value)
    before = copy.deepcopy(loaded.state_dict())
    assert not any(n.startswith('teacher') or '_teacher' in n
                   for n, _ in model.named_parameters())
    assert not any('teacher' in k for k in model.state_dict())
    optim = torch.optim.SGD(model.parameters(), lr=0.1)
    model.train()
    assert not loaded.training
    for _ in range(2):
        data = model.data_preprocessor(batch(cached=False), training=True)
        losses = model(**data, mode='loss')
        optim.zero_grad()
        sum(losses.values()).backward()
        optim.step()
    assert all(p.grad is None for p in loaded.parameters())
    for key, value in loaded.state_dict().items():
        torch.testing.assert_close(value, before[key])  # BN stats too
    # The student-only predict needs no views.
    model.eval()
    data = model.data_preprocessor(batch(cached=False, views=False))
    assert len(model(**data, mode='predict')) == 4


def test_bad_inputs_fail_clearly(tmp_path):
    model = distiller()
    with pytest.raises(KeyError, match="needs 'visibility' in every data "
                       'sample.*ComputeViewVisibility'):
        data = model.data_preprocessor(batch())
        for s in data['data_samples']:
            del s.visibility
        model(**data, mode='loss')
    with pytest.raises(ValueError, match=r'teacher descriptors \(4, 3, 16\) '
                       r'do not match .* \(4, 5, 16\)'):
        data = batch(k=5)
        for s in data['data_samples']:
            s.teacher_descriptors = torch.zeros(K, D)
        model(**model.data_preprocessor(data), mode='loss')
    with pytest.raises(ValueError, match='visibility'):
        model(**model.data_preprocessor(batch(n=N + 1)), mode='loss')
    other = dict(TEACHER, descriptor_channels=8,
                 head=dict(TEACHER['head'], in_channels=8))
    ckpt = str(tmp_path / 'other.pth')
    torch.save(dict(state_dict=MODELS.build(other).state_dict()), ckpt)
    with pytest.raises(ValueError, match='other.pth does not fit'):
        distiller(teacher=TEACHER, teacher_checkpoint=ckpt)
    with pytest.raises(ValueError, match="no submodule 'neck'"):
        distiller(feat_source='neck')


@pytest.mark.parametrize('cached', [True, False])
def test_view_subset_equals_knowledge_and_visibility_of_those_views_only(
        cached, tmp_path):
    """Distilling views [2, 0] of K = 3 is distilling a batch whose
    visibility and teacher descriptors hold only those views, in that
    order; the online teacher's descriptors are selected the same way."""
    kwargs = {}
    if not cached:
        init_default_scope('mmdet3d')
        ckpt = str(tmp_path / 'teacher.pth')
        torch.save(dict(state_dict=MODELS.build(TEACHER).state_dict()), ckpt)
        kwargs = dict(teacher=TEACHER, teacher_checkpoint=ckpt)
    subset = distiller(view_subset=[2, 0], **kwargs)
    subset.vafp.eval()
    full = copy.deepcopy(subset)
    full.view_subset = None
    data = subset.data_preprocessor(batch(cached=cached), training=True)
    torch.manual_seed(0)
    got = subset(**data, mode='loss')['loss_distill']
    if cached:
        target = torch.stack([s.teacher_descriptors
                              for s in data['data_samples']])[:, [2, 0]]
    else:
        teacher = full.teacher
        with torch.no_grad():
            target = teacher.extract_view_descriptors(
                teacher.data_preprocessor.preprocess_views(
                    data['inputs']['img']))[:, [2, 0]]
    picked = copy.deepcopy(data)
    full._teacher = []  # the selected target comes cached
    for s, t in zip(picked['data_samples'], target):
        s.visibility = s.visibility[:, [2, 0]]
        s.teacher_descriptors = t
    torch.manual_seed(0)
    expected = full(**picked, mode='loss')['loss_distill']
    torch.testing.assert_close(got, expected)
    if cached:  # and the subset matters
        assert not torch.allclose(got,
                                  full(**data, mode='loss')['loss_distill'])


def test_view_subset_errors_name_the_views():
    with pytest.raises(ValueError, match='distinct view indices'):
        distiller(view_subset=[0, 0])
    model = distiller(view_subset=[0, 3])
    with pytest.raises(ValueError, match=r'view_subset \[0, 3\] names views '
                       r'\[3\], but visibility holds 3 views'):
        model(**model.data_preprocessor(batch()), mode='loss')
