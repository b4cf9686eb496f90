import torch
from mmdet3d.registry import MODELS
from mmpretrain.structures import DataSample

import pointmcd_plugin  # noqa: F401


def build_classifier(num_classes=5):
    return MODELS.build(
        dict(type='PointClassifier',
             backbone=dict(type='DGCNNEncoder', k=8, embed_channels=64),
             head=dict(type='mmpretrain.StackedLinearClsHead',
                       num_classes=num_classes, in_channels=128,
                       mid_channels=[32], norm_cfg=dict(type='BN1d'),
                       loss=dict(type='mmpretrain.LabelSmoothLoss',
                                 label_smooth_val=0.2, mode='original'))))


def make_batch(b=4, n=32, num_classes=5):
    data = dict(
        inputs=dict(points=[torch.randn(n, 3) for _ in range(b)]),
        data_samples=[DataSample().set_gt_label(i % num_classes)
                      for i in range(b)])
    return data


def test_classifier_loss_predict_tensor():
    model = build_classifier()
    data = model.data_preprocessor(make_batch(), training=True)
    assert data['inputs']['points'].shape == (4, 32, 3)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss'} and losses['loss'].requires_grad
    losses['loss'].backward()
    model.eval()
    with torch.no_grad():
        preds = model(**data, mode='predict')
        logits = model(**data, mode='tensor')
    assert logits.shape == (4, 5)
    assert len(preds) == 4
    assert preds[0].pred_score.shape == (5, )
    assert int(preds[0].pred_label) == int(logits[0].argmax())


def test_train_step_decreases_loss_on_fixed_batch():
    torch.manual_seed(0)
    model = build_classifier()
    optim = torch.optim.Adam(model.parameters(), lr=1e-3)
    batch = make_batch(b=8)
    from mmengine.optim import OptimWrapper
    wrapper = OptimWrapper(optim)
    first = model.train_step(batch, wrapper)['loss'].item()
    for _ in range(20):
        last = model.train_step(batch, wrapper)['loss'].item()
    assert last < first


def test_preprocessor_rejects_ragged_points():
    model = build_classifier()
    data = make_batch(b=2)
    data['inputs']['points'][1] = torch.randn(16, 3)
    try:
        model.data_preprocessor(data)
    except ValueError as e:
        assert 'SamplePoints' in str(e)
    else:
        raise AssertionError('ragged points were stacked')
