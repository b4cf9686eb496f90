"""PointMCDDistiller: one wrapper around any student, with cached or
online teacher knowledge; the student's predictions are its own."""
import copy

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


def test_cached_knowledge_scales_the_task_and_adds_the_distillation():
    model = distiller(task_loss_weight=0.1)
    data = model.data_preprocessor(batch(), training=True)
    torch.manual_seed(0)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss', 'loss_distill'}
    torch.manual_seed(0)
    own = model.student(**data, mode='loss')
    torch.testing.assert_close(losses['loss'], 0.1 * own['loss'])
    # The distillation target is the cached descriptors.
    assert losses['loss_distill'] > 0
    sum(losses.values()).backward()
    for part in (model.student.backbone, model.vafp):
        assert any(p.grad is not None and p.grad.abs().sum() > 0
                   for p in part.parameters())


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
    with pytest.raises(ValueError, match='needs teacher_checkpoint'):
        distiller(teacher=TEACHER)
    other = dict(TEACHER, descriptor_channels=8,
                 head=dict(TEACHER['head'], in_channels=8))
    ckpt = str(tmp_path / 'other.pth')
    torch.save(dict(state_dict=MODELS.build(other).state_dict()), ckpt)
    with pytest.raises(ValueError, match='other.pth does not fit'):
        distiller(teacher=TEACHER, teacher_checkpoint=ckpt)
    with pytest.raises(ValueError, match="no submodule 'neck'"):
        distiller(feat_source='neck')
