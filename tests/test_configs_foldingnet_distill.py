"""The unsupervised PointMCD configs: the label-free teachers read no label
(their pipelines end in PackViewInputs and train with the labels removed
from the dataset), the PointMCD FoldingNet configs are their baselines
inside the distiller with the distillation steps before the packer, one
training step of the embedded one runs on cached knowledge, the
distiller's prediction is the auto-encoder's, and the knowledge export
writes (num_shapes, 16, 512) with its manifest."""
import ast
import json
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmdet3d.registry import DATASETS, MODELS
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope

import pointmcd_plugin  # noqa: F401
from pointmcd_plugin.datasets.knowledge import TeacherKnowledgeCache

from .conftest import REPO_ROOT
from .tiny_cfg import (TINY_AE_MODEL, TINY_AE_POINTS, TINY_CORE_GENERATE,
                       as_cli, foldingnet_tiny_options)

# PointMCD config -> (baseline, knowledge cache, pre-training split).
CONFIGS = {
    'pointmcd_foldingnet_shapenetcore.py':
    ('foldingnet_shapenetcore.py',
     'work_dirs/teacher_vgg11_shapenetcore/knowledge_all.npy', 'all'),
    'pointmcd_foldingnet_shapenetcore_synthetic.py':
    ('foldingnet_shapenetcore_synthetic.py',
     'work_dirs/teacher_mobilenetv2_shapenetcore_synthetic/'
     'knowledge_train.npy', 'train'),
}
TEACHERS = ('teacher_vgg11_shapenetcore.py',
            'teacher_mobilenetv2_shapenetcore_synthetic.py')
TWIN_TEACHER = 'configs/teacher_mobilenetv2_shapenetcore_synthetic.py'
TRAIN_STEPS = ['SamplePoints', 'RandomScaleShiftPoints',
               'ComputeViewVisibility', 'LoadTeacherKnowledge',
               'PackPointInputs']
SIZE = 32  # view side of the tiny teacher


def cfg_of(name: str) -> Config:
    return Config.fromfile(osp.join(REPO_ROOT, 'configs', name))


def types(pipeline):
    return [step['type'].split('.')[-1] for step in pipeline]


@pytest.mark.parametrize('name', TEACHERS)
def test_teacher_pipelines_pack_views_and_no_label(name):
    cfg = cfg_of(name)
    assert cfg.model.type == 'pointmcd_plugin.MultiViewAutoEncoderTeacher'
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        steps = cfg[loader].dataset.pipeline
        assert types(steps) == ['SamplePoints', 'RenderPointViews',
                                'PackViewInputs'], (name, loader)
        assert steps[1].views == 'shapenet_16'
        assert steps[1].shading == 'depth'  # ShapeNetCore has no normals
        assert 'meta_keys' not in steps[2]  # the default: no label
    assert cfg.val_evaluator.type == 'pointmcd_plugin.ViewReconstructionMetric'
    assert cfg.default_hooks.checkpoint.save_best == 'auto'  # its one key
    assert cfg.default_hooks.checkpoint.rule == 'less'


def test_the_twin_teacher_pretrains_on_another_larger_draw():
    """The stand-in teacher's set: another seed, more shapes than the
    students' pre-training split; its validation and test (and hence the
    export) are the students' set."""
    teacher = cfg_of(TEACHERS[1])
    student = cfg_of('foldingnet_shapenetcore_synthetic.py')
    ours = teacher.train_dataloader.dataset.generate
    theirs = student.train_dataloader.dataset.generate
    assert ours.seed != theirs.seed
    assert ours.num_train_per_class > theirs.num_train_per_class
    for loader in ('val_dataloader', 'test_dataloader'):
        ds = teacher[loader].dataset
        assert ds.generate == theirs
        assert ds.type == student.train_dataloader.dataset.type
        assert ds.data_root == student.train_dataloader.dataset.data_root


@pytest.mark.parametrize('name', sorted(CONFIGS))
def test_config_is_its_baseline_inside_the_distiller(name):
    baseline_name, cache, split = CONFIGS[name]
    cfg, baseline = cfg_of(name), cfg_of(baseline_name)
    assert cfg.model.type == 'pointmcd_plugin.PointMCDDistiller'
    assert cfg.model.student.to_dict() == baseline.model.to_dict()
    assert cfg.model.task_loss_weight == 1.0
    assert cfg.model.vafp.to_dict() == dict(type='VAFP', in_channels=1024,
                                            out_channels=512)
    # The SVM probe and the schedule: the baseline's, unchanged.
    for key in ('val_dataloader', 'test_dataloader', 'val_evaluator',
                'test_evaluator', 'train_cfg', 'optim_wrapper',
                'param_scheduler'):
        assert cfg[key] == baseline[key], key
    steps = cfg.train_dataloader.dataset.pipeline
    base_steps = baseline.train_dataloader.dataset.pipeline
    assert types(steps) == TRAIN_STEPS
    assert steps[:2] + steps[4:] == base_steps
    assert steps[2].views == 'shapenet_16'
    assert steps[3].cache == cache
    ds = baseline.train_dataloader.dataset
    assert steps[3].expect.to_dict() == dict(
        views='shapenet_16', dataset_type=ds.type, data_root=ds.data_root,
        split=split)
    assert ds.split == split


def tiny_distill_options(root: str, knowledge: str) -> dict:
    """foldingnet_tiny_options for the PointMCD twin (its pipeline has
    the same first step), with the knowledge cache and its expected root."""
    opts = foldingnet_tiny_options(root)
    opts['train_dataloader.dataset.pipeline.3.cache'] = knowledge
    opts['train_dataloader.dataset.pipeline.3.expect.data_root'] = root
    return opts


def write_fake_cache(cfg: Config, path: str) -> np.ndarray:
    """Made-up (num_train, 16, 512) descriptors of the cfg's training
    split, with a manifest that its LoadTeacherKnowledge accepts."""
    ds_cfg = cfg.train_dataloader.dataset
    listing = DATASETS.build(dict(ds_cfg.to_dict(), pipeline=[]))
    ids = [listing.get_data_info(i)['shape_id'] for i in range(len(listing))]
    desc = np.random.default_rng(0).random((len(ids), 16, 512),
                                           dtype=np.float32)
    TeacherKnowledgeCache.write(
        path, desc, ids, dataset_type=ds_cfg.type,
        data_root=ds_cfg.data_root, split=ds_cfg.split, views='shapenet_16',
        image_size=SIZE)
    return desc


def tiny_distill_cfg(root: str, knowledge: str) -> Config:
    cfg = cfg_of('pointmcd_foldingnet_shapenetcore_synthetic.py')
    opts = tiny_distill_options(root, knowledge)
    # The student's widths are under model.student in the distiller
    # (TINY_AE_MODEL writes tuples as the command line does).
    for key in TINY_AE_MODEL:
        value = opts.pop(key)
        opts[key.replace('model.', 'model.student.')] = \
            ast.literal_eval(value) if isinstance(value, str) else value
    opts['model.vafp.in_channels'] = 64  # TINY_AE_MODEL's point features
    cfg.merge_from_dict(opts)
    return cfg


def test_one_training_step_on_cached_knowledge_and_predict_is_the_students(
        tiny_synthetic_root, tmp_path):
    knowledge = str(tmp_path / 'knowledge_train.npy')
    cfg = tiny_distill_cfg(tiny_synthetic_root, knowledge)
    init_default_scope('mmdet3d')
    desc = write_fake_cache(cfg, knowledge)
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    packed = [dataset[i] for i in range(4)]
    sample = packed[1]['data_samples']
    assert sample.visibility.shape == (TINY_AE_POINTS, 16)
    torch.testing.assert_close(sample.teacher_descriptors,
                               torch.from_numpy(desc[1]))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    wrapper = OptimWrapper(torch.optim.Adam(model.parameters(), lr=1e-3))
    batch = pseudo_collate(packed)
    before = model.student.backbone.mlp[0][0].weight.detach().clone()
    log = model.train_step(batch, wrapper)
    assert set(log) == {'loss', 'loss_chamfer', 'loss_distill'}
    assert all(torch.isfinite(v) for v in log.values())
    assert not torch.equal(before, model.student.backbone.mlp[0][0].weight)
    # Predict: the auto-encoder's alone (no visibility, no knowledge).
    model.eval()
    svm = DATASETS.build(cfg.val_dataloader.dataset)
    data = model.data_preprocessor(pseudo_collate([svm[0], svm[1]]))
    with torch.no_grad():
        ours = model(**data, mode='predict')
        theirs = model.student(**data, mode='predict')
    for a, b in zip(ours, theirs):
        torch.testing.assert_close(a.codeword, b.codeword)
        torch.testing.assert_close(a.pred_points, b.pred_points)


def teacher_tiny_options(root: str) -> dict:
    """--cfg-options that shrink the embedded teacher to seconds: every
    loader on the tiny core set (TINY_CORE_GENERATE), 64 points, 32 px."""
    opts = {'train_cfg.max_epochs': 1, 'param_scheduler.0.T_max': 1,
            'param_scheduler.0.end': 1, 'default_hooks.logger.interval': 1}
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        opts.update({
            f'{loader}.batch_size': 4,
            f'{loader}.num_workers': 0,
            f'{loader}.dataset.data_root': root,
            f'{loader}.dataset.pipeline.0.num_points': TINY_AE_POINTS,
            f'{loader}.dataset.pipeline.1.image_size': SIZE,
        })
        for k, v in TINY_CORE_GENERATE.items():
            opts[f'{loader}.dataset.generate.{k}'] = v
    return opts


def test_the_teacher_trains_with_the_labels_removed_from_the_dataset(
        tiny_synthetic_root):
    """The embedded teacher's own training pipeline on the tiny set, its
    dataset stripped of every label: the packed samples carry none and a
    training step runs."""
    cfg = Config.fromfile(osp.join(REPO_ROOT, TWIN_TEACHER))
    cfg.merge_from_dict(teacher_tiny_options(tiny_synthetic_root))
    init_default_scope('mmdet3d')
    # Kept as a list (not serialised) so that the labels can be removed.
    dataset = DATASETS.build(dict(cfg.train_dataloader.dataset,
                                  serialize_data=False))
    for info in dataset.data_list:
        del info['gt_label']
    assert all('gt_label' not in dataset.get_data_info(i)
               for i in range(len(dataset)))
    packed = [dataset[i] for i in range(4)]
    for item in packed:
        assert set(item['inputs']) == {'img'}
        assert item['inputs']['img'].shape == (16, 1, SIZE, SIZE)
        assert set(item['data_samples'].keys()) == set()  # no data field
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    wrapper = OptimWrapper(torch.optim.Adam(model.parameters(), lr=1e-3))
    log = model.train_step(pseudo_collate(packed), wrapper)
    assert set(log) == {'loss', 'loss_recon'}
    assert torch.isfinite(log['loss'])


@pytest.mark.slow
def test_export_writes_num_shapes_x_16_x_512_with_the_manifest(
        tiny_synthetic_root, tmp_path):
    """tools/export_teacher_knowledge.py on the embedded teacher (its
    initialisation: --untrained, seconds), the split the student pre-trains
    on; the cache then passes the PointMCD config's manifest checks."""
    knowledge = str(tmp_path / 'knowledge_train.npy')
    opts = teacher_tiny_options(tiny_synthetic_root)
    cmd = [sys.executable, 'tools/export_teacher_knowledge.py', TWIN_TEACHER,
           '--untrained', '--split', 'train', '--out', knowledge,
           '--num-workers', '0', '--batch-size', '4', '--device', 'cpu',
           '--cfg-options'] + as_cli(opts)
    proc = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    num_train = 12 * TINY_CORE_GENERATE['num_train_per_class']
    desc = np.load(knowledge)
    assert desc.shape == (num_train, 16, 512)
    assert np.isfinite(desc).all()
    with open(knowledge[:-4] + '.json') as f:
        manifest = json.load(f)
    assert manifest['views'] == 'shapenet_16'
    assert manifest['image_size'] == SIZE and manifest['split'] == 'train'
    assert manifest['dataset_type'] == \
        'pointmcd_plugin.SyntheticShapesCoreDataset'
    assert manifest['data_root'] == tiny_synthetic_root
    assert manifest['num_samples'] == num_train and manifest['dim'] == 512
    assert len(set(manifest['shape_ids'])) == num_train
    # The PointMCD twin's own pipeline reads it (manifest and shape ids).
    cfg = tiny_distill_cfg(tiny_synthetic_root, knowledge)
    init_default_scope('mmdet3d')
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    torch.testing.assert_close(dataset[2]['data_samples'].teacher_descriptors,
                               torch.from_numpy(desc[2]))


def test_the_comparison_spec_loads():
    from pointmcd_plugin.utils.comparison import load_spec
    spec = load_spec(osp.join(REPO_ROOT, 'configs', 'comparisons',
                              'foldingnet_shapenetcore_synthetic.py'))
    assert spec.metric == 'svm/accuracy' and spec.seeds == [0, 1, 2]
    assert [r.name for r in spec.rows] == [
        'baseline', 'loss-scale control', 'PointMCD, stand-in teacher']
    control = spec.row('loss-scale control')
    assert control.cfg_options == {'model.distill_loss.loss_weight': 0.0}
    assert control.knowledge == spec.row(
        'PointMCD, stand-in teacher').knowledge
    assert [r['file'].endswith(('last_checkpoint', 'knowledge_train.npy'))
            for r in spec.requires] == [True, True]
