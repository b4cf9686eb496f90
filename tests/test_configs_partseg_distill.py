"""The PointMCD part-segmentation configs are deltas of their baselines:
the unchanged PointPartSegmentor inside PointMCDDistiller, the baseline's
test pipeline, visibility of the 16 shapenet_16 views computed after the
augmentation and before ShufflePoints, the knowledge checked against the
baseline's dataset; VAFP widths equal to the student's recorded features
and the teacher's descriptors; and the packed Det3DDataSample carries the
visibility (aligned with the shuffled points) and the knowledge."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmdet3d.registry import DATASETS, MODELS
from mmdet3d.structures import Det3DDataSample, PointData
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope

import pointmcd_plugin  # noqa: F401
from pointmcd_plugin.datasets.knowledge import TeacherKnowledgeCache
from pointmcd_plugin.datasets.transforms import ComputeViewVisibility

from .conftest import REPO_ROOT, TINY_PARTSEG_GENERATE
from .tiny_cfg import TINY_PARTSEG_POINTS as N

# PointMCD config -> (baseline, teacher config, task loss weight).
REAL_TEACHER = 'teacher_vgg11_shapenetpart.py'
TWIN_TEACHER = 'teacher_mobilenetv2_shapenetpart_synthetic.py'
CONFIGS = {
    'pointmcd_dgcnn_shapenetpart.py':
    ('dgcnn_shapenetpart.py', REAL_TEACHER, 1.0),
    'pointmcd_pointnet_shapenetpart.py':
    ('pointnet_shapenetpart.py', REAL_TEACHER, 0.1),
    'pointmcd_pointnet2_shapenetpart.py':
    ('pointnet2_shapenetpart.py', REAL_TEACHER, 1.0),
    'pointmcd_dgcnn_shapenetpart_synthetic.py':
    ('dgcnn_shapenetpart_synthetic.py', TWIN_TEACHER, 1.0),
    'pointmcd_pointnet_shapenetpart_synthetic.py':
    ('pointnet_shapenetpart_synthetic.py', TWIN_TEACHER, 0.1),
    'pointmcd_pointnet2_shapenetpart_synthetic.py':
    ('pointnet2_shapenetpart_synthetic.py', TWIN_TEACHER, 1.0),
}
# The distillation steps sit between the augmentation and the shuffle.
TRAIN_STEPS = ['LoadShapePoints', 'NormalizePoints', 'SamplePoints',
               'RandomScaleShiftPoints', 'ComputeViewVisibility',
               'LoadTeacherKnowledge', 'ShufflePoints', 'PackPartSegInputs']
TEACHERS = {}


def cfg_of(name: str) -> Config:
    return Config.fromfile(osp.join(REPO_ROOT, 'configs', name))


def types(pipeline):
    return [step['type'].split('.')[-1] for step in pipeline]


def teacher_channels(name: str) -> int:
    """The descriptor width of a teacher config's model, as built."""
    if name not in TEACHERS:
        model = cfg_of(name).model
        model.backbone.pop('init_cfg', None)  # no ImageNet download
        init_default_scope('mmdet3d')
        TEACHERS[name] = MODELS.build(model).descriptor_channels
    return TEACHERS[name]


@pytest.mark.parametrize('name', sorted(CONFIGS))
def test_config_is_its_baseline_inside_the_distiller(name):
    baseline_name, _, weight = CONFIGS[name]
    cfg, baseline = cfg_of(name), cfg_of(baseline_name)
    assert cfg.model.type == 'pointmcd_plugin.PointMCDDistiller'
    assert cfg.model.student.to_dict() == baseline.model.to_dict()
    assert cfg.model.task_loss_weight == weight
    assert cfg.model.distill_loss.to_dict() == dict(
        type='MultiViewDistillLoss', mode='l1', loss_weight=1.0)
    # No views at test time: the baseline's evaluation, unchanged.
    for key in ('val_dataloader', 'test_dataloader', 'val_evaluator',
                'test_evaluator', 'train_cfg', 'optim_wrapper',
                'param_scheduler'):
        assert cfg[key] == baseline[key], key
    train = cfg.train_dataloader
    base_train = baseline.train_dataloader
    assert train.batch_size == base_train.batch_size
    steps = train.dataset.pipeline
    assert types(steps) == TRAIN_STEPS
    # The baseline's own steps, unchanged, around the distillation ones.
    assert steps[:4] + steps[6:] == base_train.dataset.pipeline
    assert steps[4].views == 'shapenet_16'
    expect = steps[5].expect
    assert expect.to_dict() == dict(
        split='train', views='shapenet_16',
        dataset_type=baseline.train_dataloader.dataset.type,
        data_root=baseline.train_dataloader.dataset.data_root)
    teacher = ('teacher_vgg11_shapenetpart' if CONFIGS[name][1] ==
               REAL_TEACHER else 'teacher_mobilenetv2_shapenetpart_synthetic')
    assert steps[5].cache == f'work_dirs/{teacher}/knowledge_train.npy'


def fake_batch(cfg: Config, num_points: int, views: int, dim: int):
    """Two preprocessed samples as the training pipeline packs them, with
    random visibility and knowledge of the config's label space."""
    head = cfg.model.student.head
    gen = torch.Generator().manual_seed(0)
    samples = []
    for i in range(2):
        cat = i % head.num_categories
        s = Det3DDataSample(metainfo=dict(category=cat, part_ids=(0, 1)))
        s.gt_pts_seg = PointData(pts_semantic_mask=torch.randint(
            2, (num_points, ), generator=gen))
        s.visibility = torch.rand(num_points, views, generator=gen) > 0.5
        s.teacher_descriptors = torch.rand(views, dim, generator=gen)
        samples.append(s)
    points = [torch.rand(num_points, 3, generator=gen) * 2 - 1
              for _ in range(2)]
    return dict(inputs=dict(points=points), data_samples=samples)


@pytest.mark.parametrize('name', sorted(CONFIGS))
def test_vafp_maps_the_recorded_features_to_the_teachers_width(name):
    """One distillation loss of the built model at the config's widths:
    VAFP refuses features of another width than its in_channels, and the
    distiller descriptors of another width than the teacher's."""
    cfg = cfg_of(name)
    dim = teacher_channels(CONFIGS[name][1])
    assert cfg.model.vafp.out_channels == dim
    init_default_scope('mmdet3d')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    # Enough points for the student's neighbourhoods and anchors.
    backbone = cfg.model.student.backbone
    num_points = max([64, *backbone.get('num_points', ())])
    data = model.data_preprocessor(
        fake_batch(cfg, num_points, 16, dim), training=True)
    with torch.no_grad():
        losses = model(**data, mode='loss')
    assert torch.isfinite(losses['loss_distill'])
    feats, _ = model._recorded_features()
    assert feats.shape[-1] == cfg.model.vafp.in_channels
    if 'embed_channels' in backbone:  # DGCNN: the point-wise embedding
        assert cfg.model.vafp.in_channels == backbone.embed_channels == 1024
    elif 'channels' in backbone:  # PointNet: its last point-wise layer
        # (1024; the embedded twin narrows it to 256, see its config)
        width = 256 if name.endswith('_synthetic.py') else 1024
        assert cfg.model.vafp.in_channels == backbone.channels[-1] == width
    else:  # PointNet++: the last set-abstraction level at its anchors
        assert feats.shape[1] == backbone.num_points[-1]


def test_the_packed_sample_carries_aligned_visibility_and_the_knowledge(
        tiny_synthetic_root, tmp_path):
    """The synthetic DGCNN config's own training pipeline on the tiny
    set, with a cache of made-up descriptors: PackPartSegInputs attaches
    visibility (N, 16), still the visibility of the packed (shuffled)
    points, and row sample_idx of the cache."""
    cfg = cfg_of('pointmcd_dgcnn_shapenetpart_synthetic.py')
    ds_cfg = cfg.train_dataloader.dataset
    ds_cfg.data_root = tiny_synthetic_root
    ds_cfg.generate.update(TINY_PARTSEG_GENERATE)
    ds_cfg.pipeline[2].num_points = N  # SamplePoints
    knowledge = str(tmp_path / 'knowledge_train.npy')
    ds_cfg.pipeline[5].cache = knowledge
    ds_cfg.pipeline[5].expect.data_root = tiny_synthetic_root
    init_default_scope('mmdet3d')
    listing = DATASETS.build(dict(ds_cfg.to_dict(), pipeline=[]))
    ids = [listing.get_data_info(i)['shape_id'] for i in range(len(listing))]
    desc = np.random.default_rng(0).random((len(ids), 16, 160),
                                           dtype=np.float32)
    TeacherKnowledgeCache.write(
        knowledge, desc, ids, dataset_type=ds_cfg.type,
        data_root=tiny_synthetic_root, split='train', views='shapenet_16',
        image_size=64)
    dataset = DATASETS.build(ds_cfg)
    packed = dataset[3]
    sample, points = packed['data_samples'], packed['inputs']['points']
    assert points.shape == (N, 3)
    assert sample.visibility.shape == (N, 16)
    assert sample.visibility.dtype == torch.bool
    assert 0 < sample.visibility.float().mean() < 1
    # Recomputed on the packed points: the rows moved with the points.
    again = ComputeViewVisibility(views='shapenet_16')(
        dict(points=points.numpy()))['visibility']
    assert torch.equal(torch.from_numpy(again), sample.visibility)
    torch.testing.assert_close(sample.teacher_descriptors,
                               torch.from_numpy(desc[3]))
    assert sample.gt_pts_seg.pts_semantic_mask.shape == (N, )
    # Batched by the student's data preprocessor, for the distiller.
    batch = pseudo_collate([packed, dataset[0]])
    pre = MODELS.build(cfg.model.student.data_preprocessor)
    out = pre(batch, training=True)
    assert out['inputs']['points'].shape == (2, N, 3)
    assert out['data_samples'][0].visibility.shape == (N, 16)
