"""The FoldingNet auto-encoder through the user-facing commands (slow: run
with --runslow): the embedded config pre-trains one epoch at a tiny size
with the linear-SVM probe as its validation metric, and tools/test.py
scores the checkpoint's frozen codewords with the SVM on the test split,
in one process and in two (tools/dist_test.sh, gloo: the same accuracy)."""
import os
import os.path as osp
import re
import sys

import pytest
import torch

from ..tiny_cfg import FOLDINGNET_CONFIG, as_cli, foldingnet_tiny_options
from .test_train_e2e import last_log, run

SVM = r'svm/accuracy: ([\d.]+)\s+svm/mean_class_acc: ([\d.]+)'


@pytest.mark.slow
def test_foldingnet_pretrains_validates_with_the_svm_and_tests(
        tiny_synthetic_root, tmp_path):
    work_dir = str(tmp_path / 'train')
    opts = foldingnet_tiny_options(tiny_synthetic_root)
    run([sys.executable, 'tools/train.py', FOLDINGNET_CONFIG, '--work-dir',
         work_dir, '--cfg-options'] + as_cli(opts))
    log = last_log(work_dir)
    # 12 classes x 2 core train shapes, batch 8: 3 iterations.
    assert re.search(r'Epoch\(train\)\s+\[1\]\[3/3\].*loss_chamfer: [\d.]+',
                     log)
    assert 'LinearSVMMetric: LinearSVC(C=1.0' in log
    assert 'fitted on 48 train features' in log and '24 val ones' in log
    val = re.search(r'Epoch\(val\).*' + SVM, log)
    assert val and all(0 <= float(v) <= 100 for v in val.groups())
    ckpt = osp.join(work_dir, 'epoch_1.pth')
    assert osp.isfile(ckpt)
    # The best checkpoint is chosen on the validation SVM accuracy.
    assert osp.isfile(osp.join(work_dir, 'best_svm_accuracy_epoch_1.pth'))
    out = run([sys.executable, 'tools/test.py', FOLDINGNET_CONFIG, ckpt,
               '--work-dir', str(tmp_path / 'test'), '--cfg-options'] +
              as_cli(opts))
    assert 'fitted on 48 train features' in out and '24 test ones' in out
    test = re.search(SVM, out)
    assert test and all(0 <= float(v) <= 100 for v in test.groups())
    # Two processes (gloo): every rank encodes its shard, the metric
    # gathers them and fits once; the same SVM accuracy as one process.
    if not torch.cuda.is_available():
        port = str(29500 + (os.getpid() + 7) % 1000)
        dist = run(['env', f'PORT={port}', f'PYTHON={sys.executable}', 'bash',
                    'tools/dist_test.sh', FOLDINGNET_CONFIG, ckpt, '2',
                    '--work-dir', str(tmp_path / 'dist_test'),
                    '--cfg-options'] + as_cli(opts))
        assert "dist_cfg: {'backend': 'gloo'}" in dist
        assert 'fitted on 48 train features' in dist
        assert re.search(SVM, dist).groups() == test.groups()


@pytest.mark.slow
def test_train_step_benchmark_times_the_autoencoder_side_by_side():
    """tools/benchmark_train_step.py --task unsup at a tiny size: the
    baseline, cached-knowledge and online-teacher (VGG11-bn image
    auto-encoder) rows of the ShapeNetCore FoldingNet in one run; a
    student of another task is refused naming the task's students."""
    out = run([sys.executable, 'tools/benchmark_train_step.py', '--task',
               'unsup', '--batch-size', '2', '--points', '64',
               '--image-size', '32', '--iters', '1',
               '--teacher-batch-size', '1', '--device', 'cpu'])
    assert 'unsup foldingnet student, batch 2, 64 points, 16 views at ' \
        '32 px' in out
    for row in ('baseline student', 'PointMCD, cached knowledge',
                'PointMCD, online teacher'):
        assert re.search(rf'{row} +[\d.]+ +[\d.]+x +\d+', out), out
    assert re.search(r'teacher, batch 1 shapes +[\d.]+ +- +\d+', out), out
    with pytest.raises(AssertionError, match=r"--task unsup has the "
                       r"students \['foldingnet'\], not 'dgcnn'"):
        run([sys.executable, 'tools/benchmark_train_step.py', '--task',
             'unsup', '--student', 'dgcnn'])
