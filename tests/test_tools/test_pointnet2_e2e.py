"""mmdet3d's PointNet++ trained and distilled on CPU through the
user-facing commands (slow: run with --runslow): the baseline config
trains, the PointMCD config distils from a cached knowledge file, its
checkpoint evaluates through tools/test.py without views, and the
student-only checkpoint gives the same accuracy under the baseline."""
import os.path as osp
import re
import sys

import numpy as np
import pytest
from mmdet3d.registry import DATASETS
from mmengine.config import Config
from mmengine.registry import init_default_scope

from pointmcd_plugin.datasets.knowledge import TeacherKnowledgeCache

from ..conftest import REPO_ROOT, TINY_GENERATE
from ..tiny_cfg import as_cli, loader_options
from .test_train_e2e import last_log, run

BASELINE = 'configs/pointnet2_synthetic.py'
POINTMCD = 'configs/pointmcd_pointnet2_synthetic.py'


def options(root: str, prefix: str = 'model.') -> dict:
    """One epoch at 256 points with 64 and 16 anchors."""
    opts = {'train_cfg.max_epochs': 1, 'param_scheduler.0.T_max': 1,
            'param_scheduler.0.end': 1,
            'default_hooks.logger.interval': 1,
            f'{prefix}backbone.num_points': '(64,16)'}
    opts.update(loader_options(root, 256))
    return opts


def write_knowledge(root: str, path: str) -> None:
    """A knowledge file of the tiny training split (K=12, D=512), as
    tools/export_teacher_knowledge.py lays it out."""
    cfg = Config.fromfile(osp.join(REPO_ROOT, BASELINE))
    init_default_scope('mmdet3d')
    ds_cfg = cfg.train_dataloader.dataset
    ds_cfg.data_root = root
    ds_cfg.generate.update(TINY_GENERATE)
    ds = DATASETS.build(ds_cfg)
    ids = [ds.get_data_info(i)['shape_id'] for i in range(len(ds))]
    rng = np.random.default_rng(0)
    TeacherKnowledgeCache.write(
        path, rng.random((len(ids), 12, 512), np.float32), ids,
        dataset_type=cfg.dataset_type, data_root=root, split='train',
        views='modelnet40_12')


@pytest.mark.slow
def test_pointnet2_baseline_and_pointmcd_through_the_tools(
        tiny_synthetic_root, tmp_path):
    root = tiny_synthetic_root
    b_dir = str(tmp_path / 'baseline')
    run([sys.executable, 'tools/train.py', BASELINE, '--work-dir', b_dir,
         '--cfg-options'] + as_cli(options(root)))
    assert re.search(r'cls/overall_acc: [\d.]+', last_log(b_dir))

    knowledge = str(tmp_path / 'knowledge_train.npy')
    write_knowledge(root, knowledge)
    opts = options(root, 'model.student.')
    opts.update({'train_dataloader.dataset.pipeline.3.cache': knowledge,
                 'train_dataloader.dataset.pipeline.3.expect.data_root':
                 root})
    d_dir = str(tmp_path / 'pointmcd')
    run([sys.executable, 'tools/train.py', POINTMCD, '--work-dir', d_dir,
         '--cfg-options'] + as_cli(opts))
    assert re.search(r'loss_distill: [\d.]+', last_log(d_dir))
    ckpt = osp.join(d_dir, 'epoch_1.pth')
    out = run([sys.executable, 'tools/test.py', POINTMCD, ckpt,
               '--work-dir', str(tmp_path / 't1'), '--cfg-options'] +
              as_cli(opts))
    acc = re.search(r'cls/overall_acc: ([\d.]+)', out).group(1)
    student = str(tmp_path / 'student.pth')
    run([sys.executable, 'tools/convert_distilled_checkpoint.py', ckpt,
         student])
    out = run([sys.executable, 'tools/test.py', BASELINE, student,
               '--work-dir', str(tmp_path / 't2'), '--cfg-options'] +
              as_cli(options(root)))
    assert re.search(r'cls/overall_acc: ([\d.]+)', out).group(1) == acc
