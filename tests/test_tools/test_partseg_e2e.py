"""Part segmentation through the user-facing commands (slow: run with
--runslow): each embedded part-segmentation config (DGCNN, PointNet,
mmdet3d's PointNet++) trains one epoch at a tiny size with validation, and
tools/test.py scores its checkpoint on the test split."""
import os.path as osp
import re
import sys

import pytest

from ..tiny_cfg import PARTSEG_CONFIGS, as_cli, partseg_tiny_options
from .test_train_e2e import last_log, run

MIOU = r'partseg/instance_miou: ([\d.]+)\s+partseg/class_miou: ([\d.]+)'


@pytest.mark.slow
@pytest.mark.parametrize('student', sorted(PARTSEG_CONFIGS))
def test_partseg_config_trains_validates_and_tests(student,
                                                   tiny_synthetic_root,
                                                   tmp_path):
    config = PARTSEG_CONFIGS[student]
    work_dir = str(tmp_path / 'train')
    opts = partseg_tiny_options(student, tiny_synthetic_root)
    run([sys.executable, 'tools/train.py', config, '--work-dir', work_dir,
         '--cfg-options'] + as_cli(opts))
    log = last_log(work_dir)
    assert re.search(r'Epoch\(train\)\s+\[1\]\[3/3\].*loss_seg: [\d.]+', log)
    if student == 'pointnet':
        assert re.search(r'loss_feat_transform: [\d.]+', log)
    val = re.search(MIOU, log)
    assert val and all(0 <= float(v) <= 100 for v in val.groups())
    # The per-category table: the 12 embedded categories.
    assert '| Airplane ' in log and '| Bed ' in log
    ckpt = osp.join(work_dir, 'epoch_1.pth')
    assert osp.isfile(ckpt)
    out = run([sys.executable, 'tools/test.py', config, ckpt, '--work-dir',
               str(tmp_path / 'test'), '--cfg-options'] + as_cli(opts))
    test = re.search(MIOU, out)
    assert test and all(0 <= float(v) <= 100 for v in test.groups())
