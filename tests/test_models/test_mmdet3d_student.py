"""An mmdet3d model, from mmdet3d's own base config and left unchanged,
is a PointMCD student: the distiller wraps mmdet3d's PointNet++ segmentor
(EncoderDecoder3D), records its backbone's set-abstraction features at
their anchors, and trains it on CPU tensors."""
import pytest
import torch
from mmdet3d.registry import MODELS
from mmdet3d.structures import Det3DDataSample, PointData
from mmengine.config import Config
from mmengine.registry import init_default_scope

import pointmcd_plugin  # noqa: F401

K, N, B, CLASSES = 6, 1024, 2, 4

BASELINE = """
_base_ = ['mmdet3d::_base_/models/pointnet2_ssg.py']
model = dict(decode_head=dict(num_classes={classes}))
"""
# The few lines of the README's worked example.
POINTMCD = """
_base_ = ['./baseline.py']
model = dict(
    _delete_=True,
    type='pointmcd_plugin.PointMCDDistiller',
    student={{{{_base_.model}}}},
    feat_key='sa_features', feat_index=-1, channels_first=True,
    index_key='sa_indices',
    vafp=dict(type='VAFP', in_channels=512, out_channels=64),
    distill_loss=dict(type='MultiViewDistillLoss'))
"""


@pytest.fixture
def configs(tmp_path):
    (tmp_path / 'baseline.py').write_text(BASELINE.format(classes=CLASSES))
    (tmp_path / 'pointmcd.py').write_text(POINTMCD.format())
    init_default_scope('mmdet3d')
    return (Config.fromfile(str(tmp_path / 'baseline.py')),
            Config.fromfile(str(tmp_path / 'pointmcd.py')))


def _batch(gen):
    samples = []
    for _ in range(B):
        s = Det3DDataSample()
        s.gt_pts_seg = PointData(
            pts_semantic_mask=torch.randint(0, CLASSES, (N, ),
                                            generator=gen))
        s.visibility = torch.rand(N, K, generator=gen) > 0.5
        s.teacher_descriptors = torch.rand(K, 64, generator=gen)
        samples.append(s)
    points = [torch.rand(N, 6, generator=gen) for _ in range(B)]
    return dict(inputs=dict(points=points), data_samples=samples)


def test_mmdet3d_segmentor_is_distilled_unchanged_on_cpu(configs):
    base_cfg, cfg = configs
    assert cfg.model.student == base_cfg.model  # the model, unchanged
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    assert type(model.student).__name__ == 'EncoderDecoder3D'
    data = model.data_preprocessor(
        _batch(torch.Generator().manual_seed(0)), True)
    torch.manual_seed(1)  # the same dropout in both passes
    losses = model.loss(**data)
    assert set(losses) == {'decode.loss_sem_seg', 'loss_distill'}
    seg = model.student.decode_head
    # The segmentor's own loss, scaled by the paper's 0.1.
    torch.manual_seed(1)
    with torch.no_grad():
        own = model.student.loss(data['inputs'], data['data_samples'])
    torch.testing.assert_close(losses['decode.loss_sem_seg'],
                               0.1 * own['decode.loss_sem_seg'])
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    first = model.student.backbone.SA_modules[0].mlps[0][0].conv.weight
    assert first.grad is not None and first.grad.abs().sum() > 0
    assert seg.conv_seg.weight.grad.abs().sum() > 0
    # The recorded anchors are the backbone's own (16 of the 1024 points).
    rec = model.recorder.output
    assert rec['sa_features'][-1].shape == (B, 512, 16)
    with torch.no_grad():
        own = model.student.backbone(torch.stack(data['inputs']['points']))
    assert torch.equal(rec['sa_indices'][-1], own['sa_indices'][-1])
    torch.testing.assert_close(rec['sa_features'][-1],
                               own['sa_features'][-1])
