"""The plugin's configs through upstream mmdetection3d v1.4.0's own
tools/train.py and tools/test.py (shipped in the mmdet3d package), with
nothing from this plugin's tools/ (slow: run with --runslow)."""
import glob
import os
import os.path as osp
import re
import sys

import mmdet3d
import pytest
import torch

from ..tiny_cfg import as_cli, tiny_cfg_options
from .test_train_e2e import last_log, run

UPSTREAM_TOOLS = osp.join(osp.dirname(mmdet3d.__file__), '.mim', 'tools')
CONFIG = 'configs/dgcnn_synthetic.py'


def upstream(tool):
    path = osp.join(UPSTREAM_TOOLS, tool)
    if not osp.isfile(path):
        pytest.skip(f'{path} is not in this mmdet3d installation')
    return path


@pytest.mark.slow
def test_upstream_train_and_test_one_process(tiny_synthetic_root, tmp_path):
    work_dir = str(tmp_path / 'work')
    opts = tiny_cfg_options(tiny_synthetic_root)  # num_workers=0, and the
    # config's persistent_workers=True left as is
    run([sys.executable, upstream('train.py'), CONFIG, '--work-dir',
         work_dir, '--cfg-options'] + as_cli(opts))
    log = last_log(work_dir)
    assert 'seed: 0' in log
    assert re.search(r'Epoch\(train\)\s+\[2\]', log)
    ckpt = osp.join(work_dir, 'epoch_2.pth')
    assert osp.isfile(ckpt)

    # Upstream test.py --show-dir needs a visualisation hook (and a --task,
    # which classification ignores): misclassified shapes are drawn.
    test_dir = str(tmp_path / 'test')
    out = run([sys.executable, upstream('test.py'), CONFIG, ckpt,
               '--work-dir', test_dir, '--show-dir', 'show', '--task',
               'lidar_det', '--cfg-options'] + as_cli(opts))
    acc = float(re.search(r'cls/overall_acc: ([\d.]+)', out).group(1))
    drawn = glob.glob(osp.join(test_dir, '*', 'show', '*_as_*.png'))
    num_test = 12 * 2  # tiny set: 12 classes x 2 test shapes
    assert len(drawn) == round(num_test * (1 - acc / 100))

    # The plugin's own test.py draws every shape with --show-all.
    own_dir = str(tmp_path / 'own')
    run([sys.executable, 'tools/test.py', CONFIG, ckpt, '--work-dir',
         own_dir, '--show-dir', 'all', '--show-all', '--cfg-options'] +
        as_cli(opts))
    assert len(glob.glob(osp.join(own_dir, '*', 'all', '*.png'))) == num_test


@pytest.mark.slow
@pytest.mark.skipif(torch.cuda.is_available(),
                    reason='checks the gloo CPU path')
def test_upstream_train_two_processes_under_torchrun(tiny_synthetic_root,
                                                     tmp_path):
    work_dir = str(tmp_path / 'dist')
    opts = tiny_cfg_options(tiny_synthetic_root)
    opts['train_cfg.max_epochs'] = 1
    port = str(29600 + os.getpid() % 1000)
    out = run([sys.executable, '-m', 'torch.distributed.run',
               '--nproc_per_node=2', f'--master_port={port}',
               upstream('train.py'), CONFIG, '--launcher', 'pytorch',
               '--work-dir', work_dir, '--cfg-options'] + as_cli(opts))
    log = last_log(work_dir)
    assert 'Distributed launcher: pytorch' in log
    assert "dist_cfg: {'backend': 'gloo'}" in log
    assert 'GPU number: 2' in log  # mmengine's name for the world size
    # 48 training shapes split over 2 processes of batch 8: 3 iterations.
    assert re.search(r'Epoch\(train\)\s+\[1\]\[3/3\]', log)
    assert osp.isfile(osp.join(work_dir, 'epoch_1.pth'))
    assert 'Traceback' not in out


@pytest.mark.slow
def test_plugin_bases_compose_with_the_mmdet3d_runtime(
        tiny_synthetic_root, tmp_path):
    """No custom_imports, no runner_type: the plugin's model, dataset and
    schedule bases beside mmdet3d's own runtime, through upstream
    train.py (mmengine's plain Runner)."""
    from ..conftest import REPO_ROOT
    base = osp.join(REPO_ROOT, 'configs', '_base_')
    config = tmp_path / 'composed.py'
    config.write_text(
        '_base_ = [\n'
        f"    '{base}/datasets/synthetic_cls.py',\n"
        f"    '{base}/models/dgcnn_cls.py',\n"
        f"    '{base}/schedules/cls_sgd_cosine.py',\n"
        "    'mmdet3d::_base_/default_runtime.py',\n"
        ']\n'
        'model = dict(head=dict(num_classes=12))\n')
    opts = tiny_cfg_options(tiny_synthetic_root)
    opts['train_cfg.max_epochs'] = 1
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        # mmengine's own Runner: no PointMCDRunner to drop the flag.
        opts[f'{loader}.persistent_workers'] = False
    work_dir = str(tmp_path / 'work')
    run([sys.executable, upstream('train.py'), str(config), '--work-dir',
         work_dir, '--cfg-options'] + as_cli(opts))
    assert osp.isfile(osp.join(work_dir, 'epoch_1.pth'))
    assert 'cls/overall_acc' in last_log(work_dir)
