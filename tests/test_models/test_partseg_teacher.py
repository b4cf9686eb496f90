"""The part-segmentation teacher: per-pixel decoder shapes, category
conditioning, restricted prediction, the loss, the descriptors (the pooled
last backbone stage), freezing, pretrained checkpoints and its metric."""
import os.path as osp

import pytest
import torch
import torch.nn.functional as F
from mmdet3d.registry import MODELS
from mmdet3d.structures import Det3DDataSample
from mmengine.config import Config
from torch import nn

import pointmcd_plugin  # noqa: F401
from pointmcd_plugin.evaluation.metrics.pixel_miou_metric import \
    PixelMIoUMetric
from pointmcd_plugin.models.teachers import UNetPartSegHead
from pointmcd_plugin.models.teachers.unet_part_head import restricted_argmax

from ..conftest import REPO_ROOT

NUM_PARTS = 5
PART_IDS = ((0, 1, 2), (3, 4))  # category 0, category 1
TINY_MOBILENET = dict(type='mmpretrain.MobileNetV2', widen_factor=0.25,
                      out_indices=(0, 1, 2, 4, 6))
TINY_HEAD = dict(type='UNetPartSegHead', num_parts=NUM_PARTS,
                 num_categories=2, category_channels=8, fuse_channels=8,
                 out_channels=8)


def build_teacher(**kwargs):
    cfg = dict(type='MultiViewPartSegTeacher', backbone=TINY_MOBILENET,
               head=TINY_HEAD)
    cfg.update(kwargs)
    return MODELS.build(cfg)


def make_batch(b=2, k=3, size=32, labels=True):
    gen = torch.Generator().manual_seed(0)
    samples = []
    for i in range(b):
        s = Det3DDataSample(metainfo=dict(sample_idx=i, category=i % 2,
                                          part_ids=PART_IDS[i % 2]))
        if labels:
            s.gt_view_part_label = torch.randint(0, NUM_PARTS + 1,
                                                 (k, size, size),
                                                 generator=gen)
        samples.append(s)
    return dict(inputs=dict(img=[torch.randint(0, 256, (k, 1, size, size),
                                               generator=gen,
                                               dtype=torch.uint8)
                                 for _ in range(b)]),
                data_samples=samples)


def test_decoder_gives_num_parts_plus_background_logits_per_pixel():
    head = MODELS.build(dict(type='UNetPartSegHead', in_channels=(4, 8, 16),
                             num_parts=50, num_categories=16,
                             category_channels=4, fuse_channels=4,
                             out_channels=4))
    feats = [torch.randn(6, 4, 16, 16), torch.randn(6, 8, 8, 8),
             torch.randn(6, 16, 4, 4)]
    logits = head(feats, torch.arange(6) % 16, (32, 32))
    assert logits.shape == (6, 51, 32, 32)
    # The category conditions the output.
    other = head(feats, (torch.arange(6) + 1) % 16, (32, 32))
    assert not torch.allclose(logits, other)
    with pytest.raises(ValueError, match='in_channels=\\(4, 8, 16\\)'):
        head(feats[1:], torch.zeros(6, dtype=torch.long), (32, 32))
    with pytest.raises(ValueError, match='num_categories=16'):
        head(feats, torch.full((6, ), 16), (32, 32))
    with pytest.raises(ValueError, match='one width per skip'):
        UNetPartSegHead(in_channels=(4, 8, 16), num_parts=2,
                        num_categories=2, decoder_channels=(4, ))


def test_teacher_modes_shapes_and_probed_head_widths():
    model = build_teacher()
    assert model.head.in_channels == model.feature_channels
    data = model.data_preprocessor(make_batch(b=2, k=3), training=True)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_seg'}
    losses['loss_seg'].backward()
    assert model.backbone.conv1.conv.weight.grad is not None
    assert model.head.category_lift.conv.weight.grad is not None
    model.eval()
    with torch.no_grad():
        logits = model(**data, mode='tensor')
        preds = model(**data, mode='predict')
    assert logits.shape == (2, 3, NUM_PARTS + 1, 32, 32)
    assert preds[0].pred_view_part_label.shape == (3, 32, 32)
    with pytest.raises(ValueError, match='head.in_channels'):
        build_teacher(head=dict(TINY_HEAD, in_channels=(1, 2)))


def test_loss_is_cross_entropy_of_every_pixel_against_its_label():
    model = build_teacher().eval()
    data = model.data_preprocessor(make_batch(b=2, k=3))
    with torch.no_grad():
        loss = model.loss(**data)['loss_seg']
        logits = model(**data, mode='tensor')  # (B, K, P + 1, H, W)
    labels = torch.stack([s.gt_view_part_label for s in data['data_samples']])
    expected = F.cross_entropy(logits.flatten(0, 1), labels.flatten(0, 1))
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)


def test_prediction_is_restricted_to_the_category_and_background():
    model = build_teacher().eval()
    # Constant logits: part 4 (category 1) highest, then part 2
    # (category 0), then the background, then the rest.
    nn.init.zeros_(model.head.conv_seg.weight)
    bias = torch.zeros(NUM_PARTS + 1)
    bias[4], bias[2], bias[NUM_PARTS] = 100., 50., 20.
    model.head.conv_seg.bias.data.copy_(bias)
    data = model.data_preprocessor(make_batch(b=2, k=3))
    with torch.no_grad():
        preds = model.predict(**data)
    # Category 0 never predicts part 4; category 1 keeps it.
    assert (preds[0].pred_view_part_label == 2).all()
    assert (preds[1].pred_view_part_label == 4).all()
    bias[4] = -100.
    model.head.conv_seg.bias.data.copy_(bias)
    with torch.no_grad():
        preds = model.predict(**data)
    # Category 1 (parts 3, 4): the background beats part 3 and part 2 is
    # not allowed.
    assert (preds[1].pred_view_part_label == NUM_PARTS).all()
    logits = torch.tensor([[3., 2., 1.]])[..., None, None]
    assert restricted_argmax(logits, torch.tensor([[False, True, True]])
                             ).item() == 1


def test_descriptor_is_the_average_pool_of_the_last_stage():
    model = build_teacher().eval()
    img = model.data_preprocessor.preprocess_views(make_batch()['inputs']
                                                   ['img'])
    desc = model.extract_view_descriptors(img)
    assert desc.shape == (2, 3, model.feature_channels[-1])
    with torch.no_grad():
        last = model.backbone(img.flatten(0, 1))[-1]
    torch.testing.assert_close(desc, last.mean(dim=(2, 3)).view(2, 3, -1))
    # The category plays no part in it, nor do the data samples.
    assert model.descriptor_channels == model.feature_channels[-1]


def test_vgg11_bn_base_config_gives_51_classes_and_512_d_descriptors():
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs', '_base_', 'models',
                                   'teacher_partseg_vgg11.py'))
    cfg.model.backbone.init_cfg = None
    model = MODELS.build(cfg.model).eval()
    assert model.feature_channels == (64, 128, 256, 512)
    batch = make_batch(b=1, k=2, labels=False)
    batch['data_samples'][0].set_metainfo(dict(category=15,
                                               part_ids=(47, 48, 49)))
    data = model.data_preprocessor(batch)
    with torch.no_grad():
        logits = model(**data, mode='tensor')
        desc = model.extract_view_descriptors(data['inputs']['img'])
        preds = model.predict(**data)
    assert logits.shape == (1, 2, 51, 32, 32)
    assert desc.shape == (1, 2, 512)
    assert set(preds[0].pred_view_part_label.unique().tolist()) <= \
        {47, 48, 49, 50}


def test_frozen_teacher_stays_in_eval_without_grad():
    model = build_teacher(frozen=True)
    model.train()
    assert not model.training and not model.head.training
    assert not any(p.requires_grad for p in model.parameters())
    img = model.data_preprocessor.preprocess_views(make_batch()['inputs']
                                                   ['img'])
    assert not model.extract_view_descriptors(img).requires_grad


def test_errors_name_the_missing_inputs():
    model = build_teacher()
    data = model.data_preprocessor(make_batch(labels=False), training=True)
    with pytest.raises(KeyError, match='gt_view_part_label'):
        model.loss(**data)
    bad = make_batch()
    bad['data_samples'][0].gt_view_part_label = torch.zeros(3, 8, 8).long()
    bad['data_samples'][1].gt_view_part_label = torch.zeros(3, 8, 8).long()
    with pytest.raises(ValueError, match='same transform'):
        model.loss(**model.data_preprocessor(bad, training=True))
    out_of_range = make_batch()
    out_of_range['data_samples'][0].gt_view_part_label[0, 0, 0] = 9
    with pytest.raises(ValueError, match='label_background=num_parts'):
        model.loss(**model.data_preprocessor(out_of_range, training=True))
    with pytest.raises(ValueError, match='conditioned on the shape'):
        model(data['inputs'], None, mode='tensor')
    no_category = make_batch()
    no_category['data_samples'][0] = Det3DDataSample(
        metainfo=dict(part_ids=(0, )))
    with pytest.raises(KeyError, match="metainfo 'category'"):
        model(**model.data_preprocessor(no_category), mode='tensor')
    with pytest.raises(ValueError, match='normalised float views'):
        model.extract_view_descriptors(torch.zeros(2, 3, 1, 8, 8,
                                                   dtype=torch.uint8))


def test_pretrained_checkpoint_must_fit_except_ignored_keys(tmp_path):
    source = build_teacher()
    state = {f'backbone.{k}': v
             for k, v in source.backbone.state_dict().items()}
    state['backbone.classifier.weight'] = torch.zeros(10, 4)
    path = str(tmp_path / 'imagenet.pth')
    torch.save(dict(state_dict=state), path)
    init = dict(type='Pretrained', prefix='backbone.', checkpoint=path)
    model = build_teacher(backbone=dict(TINY_MOBILENET, init_cfg=init))
    with pytest.raises(ValueError, match='unexpected in the checkpoint: '
                       'classifier.weight'):
        model.init_weights()
    model = build_teacher(backbone=dict(TINY_MOBILENET, init_cfg=init),
                          pretrained_ignore_keys=('^classifier\\.', ))
    model.init_weights()
    torch.testing.assert_close(model.backbone.conv1.conv.weight,
                               source.backbone.conv1.conv.weight)


def test_predictions_feed_the_pixel_miou_metric():
    model = build_teacher().eval()
    data = model.data_preprocessor(make_batch(b=2, k=3))
    with torch.no_grad():
        preds = model.predict(**data)
    metric = PixelMIoUMetric(background=NUM_PARTS)
    metric.process({}, [p.to_dict() for p in preds])
    metrics = metric.compute_metrics(metric.results)
    assert 0 <= metrics['pixel_miou'] <= 100
    # Perfect predictions score 100.
    for p in preds:
        p.pred_view_part_label = p.gt_view_part_label.clone()
    metric = PixelMIoUMetric(background=NUM_PARTS)
    metric.process({}, [p.to_dict() for p in preds])
    assert metric.compute_metrics(metric.results)['pixel_miou'] == \
        pytest.approx(100.0)
