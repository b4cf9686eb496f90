import math

import pytest
import torch
from mmdet3d.registry import MODELS
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapper
from mmpretrain.structures import DataSample

import pointmcd_plugin  # noqa: F401

LABEL_SMOOTH = dict(type='mmpretrain.LabelSmoothLoss', label_smooth_val=0.2,
                    mode='original')


def build_classifier(num_classes=5, loss=LABEL_SMOOTH, backbone=None):
    if backbone is None:
        backbone = dict(type='DGCNNEncoder', k=8, embed_channels=64)
    in_channels = 128 if backbone['type'] == 'DGCNNEncoder' else \
        backbone['channels'][-1]
    return MODELS.build(
        dict(type='PointClassifier',
             backbone=backbone,
             head=dict(type='mmpretrain.StackedLinearClsHead',
                       num_classes=num_classes, in_channels=in_channels,
                       mid_channels=[32], norm_cfg=dict(type='BN1d'),
                       loss=loss)))


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
    assert set(losses) == {'loss_cls'} and losses['loss_cls'].requires_grad
    losses['loss_cls'].backward()
    model.eval()
    with torch.no_grad():
        preds = model(**data, mode='predict')
        logits = model(**data, mode='tensor')
    assert logits.shape == (4, 5)
    assert len(preds) == 4
    assert preds[0].pred_score.shape == (5, )
    assert int(preds[0].pred_label) == int(logits[0].argmax())


@pytest.mark.parametrize('feature_transform', [False, True])
def test_logged_loss_is_the_total_of_its_parts(feature_transform):
    """mmengine logs as ``loss`` the sum of the ``*loss*`` entries: no part
    may be called ``loss`` (the head's own name for its loss), or the log
    shows that part instead of the total the optimiser steps on."""
    torch.manual_seed(0)
    backbone = None if not feature_transform else dict(
        type='PointNetEncoder', channels=(16, 16, 32), feature_transform=True,
        feature_transform_after=1)
    model = build_classifier(backbone=backbone)
    data = model.data_preprocessor(make_batch(), training=True)
    losses = model.loss(**data)
    expected = {'loss_cls', 'loss_feat_transform'} if feature_transform \
        else {'loss_cls'}
    assert set(losses) == expected
    losses['loss_distill'] = torch.tensor(0.4015)  # as a distiller adds
    total, log_vars = BaseModel.parse_losses(model, losses)
    parts = sum(v for k, v in losses.items())
    torch.testing.assert_close(total, parts)
    torch.testing.assert_close(log_vars['loss'], parts.detach())
    assert log_vars['loss'] > log_vars['loss_distill']
    for key, value in losses.items():
        torch.testing.assert_close(log_vars[key], value.detach())


def test_classifier_overfits_a_tiny_fixed_batch():
    """8 random clouds of 5 classes are memorised in 30 Adam steps: the
    cross-entropy falls below 5% of the chance level ln(5) (about 0.5% on
    seeds 0-2) and every cloud is predicted right (eval mode, running BN
    statistics)."""
    torch.manual_seed(0)
    num_classes = 5
    model = build_classifier(num_classes,
                             loss=dict(type='mmpretrain.CrossEntropyLoss'))
    wrapper = OptimWrapper(torch.optim.Adam(model.parameters(), lr=1e-2))
    batch = make_batch(b=8, num_classes=num_classes)
    chance = math.log(num_classes)
    first = model.train_step(batch, wrapper)['loss'].item()
    assert first > 0.5 * chance  # it starts near chance
    for _ in range(29):
        last = model.train_step(batch, wrapper)['loss'].item()
    assert last < 0.05 * chance, last
    model.eval()
    with torch.no_grad():
        preds = model.test_step(batch)
    assert [int(p.pred_label) for p in preds] == [
        i % num_classes for i in range(8)]


def test_preprocessor_rejects_ragged_points():
    model = build_classifier()
    data = make_batch(b=2)
    data['inputs']['points'][1] = torch.randn(16, 3)
    with pytest.raises(ValueError, match='SamplePoints'):
        model.data_preprocessor(data)
