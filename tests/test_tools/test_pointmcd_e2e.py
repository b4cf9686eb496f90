"""PointMCD end to end through the user-facing commands, at tiny sizes
(slow: run with --runslow): train the teacher, export its knowledge,
distil a student from the cache and from the online teacher, evaluate the
distilled checkpoint without views, and reproduce its accuracy under the
baseline config from the student-only checkpoint."""
import json
import os.path as osp
import re
import sys

import numpy as np
import pytest

from ..conftest import REPO_ROOT, TINY_GENERATE
from ..tiny_cfg import TINY_POINTS, as_cli, loader_options, tiny_cfg_options
from .test_train_e2e import last_log, run

SIZE = 32


def teacher_config(tmp_path) -> str:
    """The embedded teacher config at a tiny width."""
    path = tmp_path / 'tiny_teacher.py'
    path.write_text(
        f"_base_ = [{osp.join(REPO_ROOT, 'configs', 'teacher_mobilenetv2_synthetic.py')!r}]\n"  # noqa: E501
        "model = dict(backbone=dict(widen_factor=0.25), "
        "descriptor_channels=32, head=dict(in_channels=32, "
        "mid_channels=[32]))\n")
    return str(path)


def teacher_options(root: str) -> dict:
    opts = {'train_cfg.max_epochs': 1, 'param_scheduler.0.T_max': 1,
            'param_scheduler.0.end': 1}
    opts.update(loader_options(root, TINY_POINTS))
    for loader, render in (('train_dataloader', 2), ('val_dataloader', 1),
                           ('test_dataloader', 1)):
        opts[f'{loader}.dataset.pipeline.{render}.image_size'] = SIZE
    return opts


def student_options(root: str, **extra) -> dict:
    """tiny_cfg_options for the distiller: the student's keys under
    ``model.student``, VAFP and teacher descriptors sized to match."""
    opts = {(k.replace('model.', 'model.student.', 1)
             if k.startswith('model.') else k): v
            for k, v in tiny_cfg_options(root).items()}
    opts.update({'model.vafp.in_channels': 64, 'model.vafp.out_channels': 32,
                 'train_cfg.max_epochs': 1, 'param_scheduler.0.T_max': 1,
                 'param_scheduler.0.end': 1}, **extra)
    return opts


@pytest.mark.slow
def test_teacher_export_distil_test_and_convert(tiny_synthetic_root,
                                                tmp_path):
    root = tiny_synthetic_root
    cfg = teacher_config(tmp_path)
    t_dir = str(tmp_path / 'teacher')
    t_opts = as_cli(teacher_options(root))
    run([sys.executable, 'tools/train.py', cfg, '--work-dir', t_dir,
         '--cfg-options'] + t_opts)
    assert re.search(r'cls/overall_acc: [\d.]+', last_log(t_dir))
    teacher_ckpt = osp.join(t_dir, 'epoch_1.pth')

    knowledge = str(tmp_path / 'knowledge_train.npy')
    out = run([sys.executable, 'tools/export_teacher_knowledge.py', cfg,
               teacher_ckpt, '--split', 'train', '--out', knowledge,
               '--num-workers', '0', '--cfg-options'] + t_opts)
    assert 'wrote' in out
    desc = np.load(knowledge)
    with open(knowledge[:-4] + '.json') as f:
        manifest = json.load(f)
    num_train = 12 * TINY_GENERATE['num_train_per_class']
    assert desc.shape == (num_train, 12, 32)
    assert manifest['split'] == 'train' and manifest['num_samples'] == \
        num_train and manifest['views'] == 'modelnet40_12'
    assert len(set(manifest['shape_ids'])) == num_train

    # Distilled from the cache.
    s_dir = str(tmp_path / 'cached')
    opts = student_options(root, **{
        'train_dataloader.dataset.pipeline.3.cache': knowledge,
        'train_dataloader.dataset.pipeline.3.expect.data_root': root})
    run([sys.executable, 'tools/train.py',
         'configs/pointmcd_dgcnn_synthetic.py', '--work-dir', s_dir,
         '--cfg-options'] + as_cli(opts))
    assert re.search(r'loss_distill: [\d.]+', last_log(s_dir))
    ckpt = osp.join(s_dir, 'epoch_1.pth')
    # Evaluated under its own config: the test pipeline has no views.
    out = run([sys.executable, 'tools/test.py',
               'configs/pointmcd_dgcnn_synthetic.py', ckpt, '--work-dir',
               str(tmp_path / 't1'), '--cfg-options'] + as_cli(opts))
    acc = re.search(r'cls/overall_acc: ([\d.]+)', out).group(1)
    # The student-only checkpoint under the baseline config.
    student = str(tmp_path / 'student.pth')
    run([sys.executable, 'tools/convert_distilled_checkpoint.py', ckpt,
         student])
    out = run([sys.executable, 'tools/test.py', 'configs/dgcnn_synthetic.py',
               student, '--work-dir', str(tmp_path / 't2'),
               '--cfg-options'] + as_cli(tiny_cfg_options(root)))
    assert re.search(r'cls/overall_acc: ([\d.]+)', out).group(1) == acc

    # A cache for another split is refused before training.
    opts['train_dataloader.dataset.pipeline.3.expect.split'] = 'test'
    with pytest.raises(AssertionError, match="exported for split='train'"):
        run([sys.executable, 'tools/train.py',
             'configs/pointmcd_dgcnn_synthetic.py', '--work-dir',
             str(tmp_path / 'bad'), '--cfg-options'] + as_cli(opts))

    # Distilled from the online teacher (views rendered at each step).
    o_dir = str(tmp_path / 'online')
    opts = student_options(root, **{
        'model.teacher': cfg, 'model.teacher_checkpoint': teacher_ckpt,
        'train_dataloader.dataset.pipeline.3.image_size': SIZE})
    run([sys.executable, 'tools/train.py',
         'configs/pointmcd_dgcnn_synthetic_online.py', '--work-dir', o_dir,
         '--cfg-options'] + as_cli(opts))
    log = last_log(o_dir)
    assert 'teacher loaded from' in log
    assert re.search(r'loss_distill: [\d.]+', log)
