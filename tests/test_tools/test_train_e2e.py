"""End-to-end runs of the user-facing commands (slow: run with --runslow)."""
import glob
import os
import os.path as osp
import re
import subprocess
import sys

import pytest
import torch

from ..conftest import REPO_ROOT
from ..tiny_cfg import as_cli, tiny_cfg_options

CONFIG = 'configs/dgcnn_synthetic.py'


def run(cmd, timeout=900):
    env = dict(os.environ, PYTHONUNBUFFERED='1')
    proc = subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, f'{" ".join(cmd)} failed:\n{out[-6000:]}'
    return out


def last_log(work_dir):
    logs = sorted(glob.glob(osp.join(work_dir, '*', '*.log')))
    assert logs, f'no log in {work_dir}'
    with open(logs[-1]) as f:
        return f.read()


@pytest.mark.slow
def test_train_resume_test_commands(tiny_synthetic_root, tmp_path):
    work_dir = str(tmp_path / 'work')
    opts = tiny_cfg_options(tiny_synthetic_root)
    run([sys.executable, 'tools/train.py', CONFIG, '--work-dir', work_dir,
         '--cfg-options'] + as_cli(opts))
    log = last_log(work_dir)
    assert re.search(r'Epoch\(train\)\s+\[2\].*loss: [\d.]+', log)
    assert 'cls/overall_acc' in log and 'cls/mean_class_acc' in log
    assert osp.isfile(osp.join(work_dir, 'epoch_2.pth'))

    # Interrupted run continued: the schedule grows to 3 epochs.
    opts.update({'train_cfg.max_epochs': 3, 'param_scheduler.0.T_max': 3,
                 'param_scheduler.0.end': 3})
    run([sys.executable, 'tools/train.py', CONFIG, '--work-dir', work_dir,
         '--resume', '--cfg-options'] + as_cli(opts))
    log = last_log(work_dir)
    assert 'resumed epoch: 2' in log
    assert re.search(r'Epoch\(train\)\s+\[3\]', log)
    assert not re.search(r'Epoch\(train\)\s+\[1\]', log)
    assert osp.isfile(osp.join(work_dir, 'epoch_3.pth'))

    out = run([sys.executable, 'tools/test.py', CONFIG,
               osp.join(work_dir, 'epoch_3.pth'), '--work-dir',
               str(tmp_path / 'test'), '--cfg-options'] + as_cli(opts))
    assert re.search(r'cls/overall_acc: [\d.]+', out)


@pytest.mark.slow
@pytest.mark.skipif(torch.cuda.is_available(),
                    reason='checks the gloo CPU path')
def test_dist_train_two_cpu_processes(tiny_synthetic_root, tmp_path):
    work_dir = str(tmp_path / 'dist')
    opts = tiny_cfg_options(tiny_synthetic_root)
    opts['train_cfg.max_epochs'] = 1
    env_port = str(29500 + os.getpid() % 1000)
    out = run(['env', f'PORT={env_port}', f'PYTHON={sys.executable}', 'bash',
               'tools/dist_train.sh', CONFIG, '2', '--work-dir', work_dir,
               '--cfg-options'] + as_cli(opts))
    log = last_log(work_dir)
    assert 'Distributed launcher: pytorch' in log
    assert "dist_cfg: {'backend': 'gloo'}" in log
    assert 'GPU number: 2' in log  # mmengine prints the world size so
    # 48 training shapes split over 2 processes of batch 8: 3 iterations.
    assert re.search(r'Epoch\(train\)\s+\[1\]\[3/3\]', log)
    assert osp.isfile(osp.join(work_dir, 'epoch_1.pth'))
    assert 'Traceback' not in out
