"""The part-segmentation image teacher end to end through the user-facing
commands, at a tiny size (slow: run with --runslow): train the embedded
teacher one epoch (pixel mIoU reported), then export its knowledge."""
import json
import re
import sys

import numpy as np
import pytest

from ..conftest import TINY_PARTSEG_GENERATE
from ..tiny_cfg import (TINY_PARTSEG_POINTS, as_cli,
                        partseg_loader_options)
from .test_train_e2e import last_log, run

CONFIG = 'configs/teacher_mobilenetv2_shapenetpart_synthetic.py'
SIZE = 32
# Index of RenderPointViews in the config's pipelines.
RENDER = dict(train_dataloader=4, val_dataloader=3, test_dataloader=3)


def teacher_options(root: str) -> dict:
    opts = {'train_cfg.max_epochs': 1, 'param_scheduler.0.T_max': 1,
            'param_scheduler.0.end': 1, 'default_hooks.logger.interval': 1}
    opts.update(partseg_loader_options(root, TINY_PARTSEG_POINTS,
                                       batch_size=4))
    for loader, index in RENDER.items():
        opts[f'{loader}.dataset.pipeline.{index}.image_size'] = SIZE
    return opts


@pytest.mark.slow
def test_train_the_partseg_teacher_and_export_its_knowledge(
        tiny_synthetic_root, tmp_path):
    root = tiny_synthetic_root
    opts = as_cli(teacher_options(root))
    work_dir = str(tmp_path / 'teacher')
    run([sys.executable, 'tools/train.py', CONFIG, '--work-dir', work_dir,
         '--cfg-options'] + opts)
    log = last_log(work_dir)
    assert re.search(r'loss_seg: [\d.]+', log)
    miou = re.search(r'view_partseg/pixel_miou: ([\d.]+)', log)
    assert miou and 0 <= float(miou.group(1)) <= 100
    assert '| pixel_miou ' in log  # the per-category table

    knowledge = str(tmp_path / 'knowledge_train.npy')
    out = run([sys.executable, 'tools/export_teacher_knowledge.py', CONFIG,
               work_dir, '--split', 'train', '--out', knowledge,
               '--num-workers', '0', '--cfg-options'] + opts)
    assert 'wrote' in out
    desc = np.load(knowledge)
    with open(knowledge[:-4] + '.json') as f:
        manifest = json.load(f)
    num_train = 12 * TINY_PARTSEG_GENERATE['num_train_per_class']
    # The pooled last MobileNetV2 stage of the embedded twin: 160-d.
    assert desc.shape == (num_train, 16, 160)
    assert np.isfinite(desc).all()
    assert manifest['views'] == 'shapenet_16' and \
        manifest['image_size'] == SIZE and manifest['split'] == 'train'
    assert manifest['dataset_type'] == \
        'pointmcd_plugin.SyntheticShapesPartSegDataset'
    assert len(set(manifest['shape_ids'])) == num_train
