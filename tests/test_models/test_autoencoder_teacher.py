"""The label-free image teacher: the view decoder's shapes, the
auto-encoder's three modes, its L1 loss, its descriptors (pooled or
projected last stage), freezing, training without any label, its
packer (views only) and its reconstruction metric."""
import pytest
import torch
import torch.nn.functional as F
from mmdet3d.registry import MODELS, TRANSFORMS
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope
from mmpretrain.structures import DataSample

import pointmcd_plugin  # noqa: F401
from pointmcd_plugin.evaluation.metrics import ViewReconstructionMetric
from pointmcd_plugin.models.teachers import (MultiViewAutoEncoderTeacher,
                                             MultiViewBackboneTeacher,
                                             ViewDecoderHead)

TINY_MOBILENET = dict(type='mmpretrain.MobileNetV2', widen_factor=0.25,
                      out_indices=(7, ))
TINY_HEAD = dict(type='ViewDecoderHead', seed_size=(2, 2), seed_channels=8,
                 channels=(8, 8, 8))
IMAGENET = dict(mean=(123.675, 116.28, 103.53), std=(58.395, 57.12, 57.375))


def build_teacher(**kwargs):
    init_default_scope('mmdet3d')
    torch.manual_seed(0)
    cfg = dict(type='MultiViewAutoEncoderTeacher', backbone=TINY_MOBILENET,
               head=TINY_HEAD, descriptor_channels=16,
               data_preprocessor=dict(type='MultiViewImagePreprocessor',
                                      **IMAGENET))
    cfg.update(kwargs)
    return MODELS.build(cfg)


def make_batch(b=2, k=3, c=1, size=32, seed=0):
    """Views and data samples that carry nothing but metainfo."""
    gen = torch.Generator().manual_seed(seed)
    return dict(
        inputs=dict(img=[torch.randint(0, 256, (k, c, size, size),
                                       generator=gen, dtype=torch.uint8)
                         for _ in range(b)]),
        data_samples=[DataSample(metainfo=dict(sample_idx=i))
                      for i in range(b)])


def test_decoder_reaches_the_seed_times_two_to_the_blocks_plus_one():
    head = ViewDecoderHead(in_channels=4, out_channels=3, seed_size=(2, 3),
                           seed_channels=4, channels=(4, 4))
    assert head.output_size == (16, 24)
    desc = torch.randn(5, 4)
    assert head(desc, (16, 24)).shape == (5, 3, 16, 24)
    # Other view sizes: resized at the end.
    assert head(desc, (20, 20)).shape == (5, 3, 20, 20)
    # The authors' decoder: 7 x 7 seed, four blocks, 224 px.
    assert ViewDecoderHead(512).output_size == (224, 224)
    with pytest.raises(ValueError, match='in_channels=4'):
        head(torch.randn(5, 6), (16, 24))
    with pytest.raises(ValueError, match='out_channels=3'):
        head.loss(desc, torch.randn(5, 1, 16, 24))
    with pytest.raises(ValueError, match='seed_size'):
        ViewDecoderHead(4, seed_size=(2, ))
    with pytest.raises(ValueError, match='at least one conv block'):
        ViewDecoderHead(4, channels=())


def test_modes_shapes_gradients_and_no_skip_connection():
    model = build_teacher()
    assert isinstance(model, MultiViewBackboneTeacher)
    assert model.descriptor_channels == 16
    assert model.head.in_channels == 16 and model.head.out_channels == 3
    data = model.data_preprocessor(make_batch(b=2, k=3), training=True)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_recon'}
    losses['loss_recon'].backward()
    assert model.backbone.conv1.conv.weight.grad.abs().sum() > 0
    assert model.head.lift[0].weight.grad.abs().sum() > 0
    model.eval()
    with torch.no_grad():
        recon = model(**data, mode='tensor')
        desc = model.extract_view_descriptors(data['inputs']['img'])
        # The decoder sees the descriptor alone: same descriptor, same view.
        direct = model.head(desc.flatten(0, 1), (32, 32))
    assert recon.shape == (2, 3, 3, 32, 32)  # grey views -> 3 channels
    assert desc.shape == (2, 3, 16)
    torch.testing.assert_close(recon.flatten(0, 1), direct)
    with pytest.raises(RuntimeError, match='Invalid mode'):
        model(**data, mode='bad')


def test_loss_is_the_l1_of_every_reconstructed_normalised_view():
    model = build_teacher().eval()
    data = model.data_preprocessor(make_batch())
    img = data['inputs']['img']
    with torch.no_grad():
        loss = model.loss(data['inputs'])['loss_recon']
        recon = model.reconstruct(img)
    assert loss.item() == pytest.approx(F.l1_loss(recon, img).item(),
                                        rel=1e-5)


def test_predict_gives_views_in_pixel_units_and_the_metric_scores_them():
    model = build_teacher().eval()
    batch = make_batch()
    data = model.data_preprocessor(batch)
    with torch.no_grad():
        preds = model.predict(**data)
        recon = model.reconstruct(data['inputs']['img'])
    mean = torch.tensor(IMAGENET['mean']).view(3, 1, 1)
    std = torch.tensor(IMAGENET['std']).view(3, 1, 1)
    torch.testing.assert_close(preds[0].pred_views, recon[0] * std + mean)
    assert preds[1].metainfo['sample_idx'] == 1  # metainfo passes through
    metric = ViewReconstructionMetric()
    metric.process(batch, [p.to_dict() for p in preds])
    expected = sum(
        (p.pred_views - v.float()).abs().mean().item() / 255.
        for p, v in zip(preds, batch['inputs']['img'])) / 2
    assert metric.compute_metrics(metric.results)['l1'] == pytest.approx(
        expected, rel=1e-5)
    # Without data samples, new ones are made.
    with torch.no_grad():
        assert len(model.predict(data['inputs'])) == 2


def test_the_metric_on_known_views_and_bad_inputs():
    target = torch.full((2, 1, 4, 4), 100, dtype=torch.uint8)
    pred = torch.full((2, 3, 4, 4), 100.)
    pred[:, 0] += 51.  # one channel of three off by 51 = 0.2 * 255
    metric = ViewReconstructionMetric()
    batch = dict(inputs=dict(img=[target, target]))
    metric.process(batch, [dict(pred_views=pred),
                           dict(pred_views=torch.full((2, 3, 4, 4), 100.))])
    assert metric.compute_metrics(metric.results)['l1'] == pytest.approx(
        0.2 / 3 / 2)
    with pytest.raises(KeyError, match='pred_views'):
        metric.process(batch, [dict(), dict()])
    with pytest.raises(KeyError, match="inputs\\['img'\\]"):
        metric.process(dict(inputs=dict()), [dict(pred_views=pred)])
    with pytest.raises(ValueError, match='do not match'):
        metric.process(dict(inputs=dict(img=[target[:1]])),
                       [dict(pred_views=pred)])
    with pytest.raises(ValueError, match='no sample'):
        ViewReconstructionMetric().compute_metrics([])


def test_pooled_last_stage_without_projection():
    model = build_teacher(descriptor_channels=None)
    assert model.descriptor_channels == model.feature_channels[-1] == 1280
    data = model.data_preprocessor(make_batch())
    with torch.no_grad():
        desc = model.eval().extract_view_descriptors(data['inputs']['img'])
        maps = model.backbone_maps(data['inputs']['img'])[-1]
    torch.testing.assert_close(desc.flatten(0, 1), maps.mean(dim=(2, 3)))


def test_widths_and_inputs_are_checked():
    with pytest.raises(ValueError, match='head.in_channels=8'):
        build_teacher(head=dict(TINY_HEAD, in_channels=8))
    with pytest.raises(ValueError, match='head.out_channels=1'):
        build_teacher(head=dict(TINY_HEAD, out_channels=1))
    with pytest.raises(TypeError, match='mean buffers'):
        build_teacher(data_preprocessor=dict(type='PointDataPreprocessor'))
    model = build_teacher()
    raw = torch.zeros(1, 2, 3, 32, 32, dtype=torch.uint8)
    with pytest.raises(ValueError, match='normalised float views'):
        model.extract_view_descriptors(raw)
    with pytest.raises(ValueError, match='normalised float views'):
        model.loss(dict(img=raw))


def test_frozen_teacher_has_no_grad_and_keeps_bn_statistics():
    model = build_teacher(frozen=True)
    assert not any(p.requires_grad for p in model.parameters())
    model.train()
    assert not model.training
    data = model.data_preprocessor(make_batch())
    desc = model.extract_view_descriptors(data['inputs']['img'])
    assert not desc.requires_grad


def disc_views(b=2, k=2, size=32):
    """(B, K, 1, size, size) uint8 views of discs of different centres
    and radii: images an auto-encoder can learn (noise it cannot)."""
    yy, xx = torch.meshgrid(torch.arange(size), torch.arange(size),
                            indexing='ij')
    views = torch.zeros(b, k, 1, size, size, dtype=torch.uint8)
    for i in range(b * k):
        cy, cx, r = 8 + 4 * (i % 4), 8 + 5 * (i // 2), 4 + 2 * (i % 3)
        disc = (yy - cy)**2 + (xx - cx)**2 <= r * r
        views.view(-1, size, size)[i][disc] = 200
    return views


def test_overfits_a_fixed_batch_without_any_label():
    """A few Adam steps on one batch whose data samples are None: no
    label, no sample, anywhere; the reconstruction loss falls."""
    model = build_teacher()
    data = model.data_preprocessor(
        dict(inputs=dict(img=list(disc_views()))), training=True)
    wrapper = OptimWrapper(torch.optim.Adam(model.parameters(), lr=3e-3))
    losses = []
    for _ in range(40):
        loss = model(data['inputs'], None, mode='loss')['loss_recon']
        wrapper.update_params(loss)
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0], losses


def test_pack_view_inputs_packs_views_and_metainfo_only():
    pack = TRANSFORMS.build(dict(type='PackViewInputs'))
    views = [torch.randint(0, 256, (8, 8, 1), dtype=torch.uint8).numpy()
             for _ in range(3)]
    results = dict(img=views, gt_label=5, category=2, sample_idx=7,
                   shape_id='a/b', points=torch.rand(10, 3).numpy())
    packed = pack(results)
    assert set(packed['inputs']) == {'img'}
    assert packed['inputs']['img'].shape == (3, 1, 8, 8)
    assert packed['inputs']['img'].dtype == torch.uint8
    sample = packed['data_samples']
    assert 'gt_label' not in sample and 'category' not in sample
    assert sample.metainfo == dict(sample_idx=7, shape_id='a/b')
    with pytest.raises(ValueError, match='packs no label'):
        TRANSFORMS.build(dict(type='PackViewInputs',
                              meta_keys=('sample_idx', 'gt_label')))
    with pytest.raises(KeyError, match='RenderPointViews'):
        pack(dict(sample_idx=0))


def test_the_configs_teachers_build_with_512_d_descriptors():
    """The real teacher (VGG11-bn, pooled stage 4) and the embedded twin
    (MobileNetV2 x0.5, projected): both 512-d, as the distillation configs'
    VAFP expects."""
    import os.path as osp

    from mmengine.config import Config

    from ..conftest import REPO_ROOT
    for name, size in (('teacher_vgg11_shapenetcore.py', 64),
                       ('teacher_mobilenetv2_shapenetcore_synthetic.py', 32)):
        cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs', name)).model
        cfg.backbone.pop('init_cfg', None)  # no ImageNet download
        model = build_teacher(**{k: v for k, v in cfg.items()
                                 if k != 'type'})
        assert isinstance(model, MultiViewAutoEncoderTeacher)
        assert model.descriptor_channels == 512, name
        data = model.data_preprocessor(make_batch(b=1, k=2, size=size))
        with torch.no_grad():
            desc = model.eval().extract_view_descriptors(
                data['inputs']['img'])
            recon = model.reconstruct(data['inputs']['img'])
        assert desc.shape == (1, 2, 512)
        assert recon.shape == (1, 2, 3, size, size)
