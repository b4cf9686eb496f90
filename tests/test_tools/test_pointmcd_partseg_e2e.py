"""PointMCD for part segmentation end to end through the user-facing
commands, at a tiny size (slow: run with --runslow): train the embedded
part-segmentation teacher one epoch, export its knowledge (N, 16, C),
distil the DGCNN part segmentor from it (config only: the unchanged
PointPartSegmentor inside PointMCDDistiller), score the distilled
checkpoint with the baseline's test pipeline (no views), and reproduce its
mIoU under the baseline config from the student-only checkpoint."""
import os.path as osp
import re
import sys

import numpy as np
import pytest

from ..conftest import TINY_PARTSEG_GENERATE
from ..tiny_cfg import as_cli, partseg_tiny_options
from .test_partseg_e2e import MIOU
from .test_partseg_teacher_e2e import CONFIG as TEACHER
from .test_partseg_teacher_e2e import teacher_options
from .test_train_e2e import last_log, run

BASELINE = 'configs/dgcnn_shapenetpart_synthetic.py'
DISTILLED = 'configs/pointmcd_dgcnn_shapenetpart_synthetic.py'
# LoadTeacherKnowledge in the distilled config's training pipeline.
KNOWLEDGE_STEP = 5
# The embedded teacher's descriptor width (MobileNetV2 x0.5, last stage).
TEACHER_CHANNELS = 160


def distilled_options(root: str, knowledge: str) -> dict:
    """partseg_tiny_options for the distiller: the student's keys under
    ``model.student``, VAFP from the tiny 64-d embedding, the knowledge
    file and the tiny root its manifest must name."""
    opts = {(k.replace('model.', 'model.student.', 1)
             if k.startswith('model.') else k): v
            for k, v in partseg_tiny_options('dgcnn', root).items()}
    step = f'train_dataloader.dataset.pipeline.{KNOWLEDGE_STEP}'
    opts.update({'model.vafp.in_channels': 64,
                 f'{step}.cache': knowledge,
                 f'{step}.expect.data_root': root})
    return opts


@pytest.mark.slow
def test_teacher_export_distil_test_and_convert(tiny_synthetic_root,
                                                tmp_path):
    root = tiny_synthetic_root
    t_dir = str(tmp_path / 'teacher')
    t_opts = as_cli(teacher_options(root))
    run([sys.executable, 'tools/train.py', TEACHER, '--work-dir', t_dir,
         '--cfg-options'] + t_opts)
    assert re.search(r'view_partseg/pixel_miou: [\d.]+', last_log(t_dir))

    knowledge = str(tmp_path / 'knowledge_train.npy')
    out = run([sys.executable, 'tools/export_teacher_knowledge.py', TEACHER,
               t_dir, '--split', 'train', '--out', knowledge,
               '--num-workers', '0', '--cfg-options'] + t_opts)
    assert 'wrote' in out
    num_train = 12 * TINY_PARTSEG_GENERATE['num_train_per_class']
    assert np.load(knowledge).shape == (num_train, 16, TEACHER_CHANNELS)

    # Distilled from the cache, through tools/train.py.
    s_dir = str(tmp_path / 'distilled')
    opts = distilled_options(root, knowledge)
    run([sys.executable, 'tools/train.py', DISTILLED, '--work-dir', s_dir,
         '--cfg-options'] + as_cli(opts))
    log = last_log(s_dir)
    assert re.search(r'loss_seg: [\d.]+.*loss_distill: [\d.]+', log)
    ckpt = osp.join(s_dir, 'epoch_1.pth')

    # Scored under its own config, whose test pipeline is the baseline's.
    out = run([sys.executable, 'tools/test.py', DISTILLED, ckpt,
               '--work-dir', str(tmp_path / 't1'), '--cfg-options'] +
              as_cli(opts))
    distilled = re.search(MIOU, out)
    assert distilled, out[-3000:]
    assert 0 <= float(distilled.group(1)) <= 100

    # The student-only checkpoint under the baseline config: same mIoU.
    student = str(tmp_path / 'student.pth')
    run([sys.executable, 'tools/convert_distilled_checkpoint.py', ckpt,
         student])
    out = run([sys.executable, 'tools/test.py', BASELINE, student,
               '--work-dir', str(tmp_path / 't2'), '--cfg-options'] +
              as_cli(partseg_tiny_options('dgcnn', root)))
    baseline = re.search(MIOU, out)
    assert baseline and baseline.groups() == distilled.groups()

    # A cache exported for another split is refused before training.
    opts[f'train_dataloader.dataset.pipeline.{KNOWLEDGE_STEP}.expect.split'] \
        = 'test'
    with pytest.raises(AssertionError, match="exported for split='train'"):
        run([sys.executable, 'tools/train.py', DISTILLED, '--work-dir',
             str(tmp_path / 'bad'), '--cfg-options'] + as_cli(opts))


@pytest.mark.slow
def test_train_step_benchmark_times_the_partseg_students_side_by_side():
    """tools/benchmark_train_step.py --task partseg at a tiny size: the
    baseline, the cached-knowledge and the online-teacher (VGG11-bn) rows
    of the ShapeNetPart DGCNN student in one run."""
    out = run([sys.executable, 'tools/benchmark_train_step.py', '--task',
               'partseg', '--student', 'dgcnn', '--batch-size', '2',
               '--points', '64', '--image-size', '32', '--iters', '1',
               '--teacher-batch-size', '1', '--device', 'cpu'])
    assert 'partseg dgcnn student, batch 2, 64 points, 16 views at 32 px' \
        in out
    for row in ('baseline student', 'PointMCD, cached knowledge',
                'PointMCD, online teacher'):
        assert re.search(rf'{row} +[\d.]+ +[\d.]+x +\d+', out), out
    assert re.search(r'teacher, batch 1 shapes +[\d.]+ +- +\d+', out), out
