"""The unsupervised PointMCD chain through the user-facing commands, at a
tiny size (slow: run with --runslow): train the embedded label-free
teacher one epoch (reconstruction L1 on validation), export its knowledge
from its work dir, then pre-train the PointMCD FoldingNet twin one epoch
on it, validated by the linear SVM."""
import re
import sys

import numpy as np
import pytest

from ..test_configs_foldingnet_distill import (TWIN_TEACHER,
                                               teacher_tiny_options,
                                               tiny_distill_options)
from ..tiny_cfg import TINY_AE_MODEL, TINY_CORE_GENERATE, as_cli
from .test_train_e2e import last_log, run

DISTILLED = 'configs/pointmcd_foldingnet_shapenetcore_synthetic.py'


@pytest.mark.slow
def test_teacher_export_and_distilled_autoencoder(tiny_synthetic_root,
                                                  tmp_path):
    root = tiny_synthetic_root
    opts = as_cli(teacher_tiny_options(root))
    work_dir = str(tmp_path / 'teacher')
    run([sys.executable, 'tools/train.py', TWIN_TEACHER, '--work-dir',
         work_dir, '--cfg-options'] + opts)
    log = last_log(work_dir)
    assert re.search(r'loss_recon: [\d.]+', log)
    l1 = re.search(r'view_recon/l1: ([\d.]+)', log)
    assert l1 and 0 <= float(l1.group(1)) <= 1
    assert 'best_view_recon_l1_epoch_1.pth' in log

    knowledge = str(tmp_path / 'knowledge_train.npy')
    out = run([sys.executable, 'tools/export_teacher_knowledge.py',
               TWIN_TEACHER, work_dir, '--split', 'train', '--out',
               knowledge, '--num-workers', '0', '--cfg-options'] + opts)
    assert 'wrote' in out
    num_train = 12 * TINY_CORE_GENERATE['num_train_per_class']
    assert np.load(knowledge).shape == (num_train, 16, 512)

    student = tiny_distill_options(root, knowledge)
    for key in TINY_AE_MODEL:
        student[key.replace('model.', 'model.student.')] = student.pop(key)
    student['model.vafp.in_channels'] = 64
    distill_dir = str(tmp_path / 'pointmcd')
    run([sys.executable, 'tools/train.py', DISTILLED, '--work-dir',
         distill_dir, '--cfg-options'] + as_cli(student))
    log = last_log(distill_dir)
    assert re.search(r'loss_chamfer: [\d.]+\s+loss_distill: [\d.]+', log)
    svm = re.search(r'Epoch\(val\).*svm/accuracy: ([\d.]+)', log)
    assert svm and 0 <= float(svm.group(1)) <= 100
