"""Every config parses, and every model a config names builds (those
needing a trained teacher's checkpoint are built without it), from any
working directory."""
import glob
import os
import os.path as osp
import re
import subprocess
import sys
from urllib.parse import urlparse

import pytest
import torch
from mmdet3d.registry import MODELS
from mmengine.config import Config
from mmengine.registry import init_default_scope

import pointmcd_plugin  # noqa: F401

from .conftest import REPO_ROOT
from .test_tools.test_pointmcd_e2e import student_options
from .test_tools.test_upstream_tools import upstream
from .tiny_cfg import as_cli

CONFIGS = sorted(glob.glob(osp.join(REPO_ROOT, 'configs', '*.py')))


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_parses_and_its_model_builds(path):
    cfg = Config.fromfile(path)
    init_default_scope(cfg.get('default_scope', 'mmdet3d'))
    model = cfg.model
    if model.get('teacher') is not None:
        # The online twins: the teacher is a trained config's model, named
        # by its path (found from the config's folder, see below).
        teacher = Config.fromfile(model.teacher).model
        assert teacher.type.endswith('MultiViewImageTeacher')
        model.teacher = None
    if 'backbone' in model and 'init_cfg' in model.backbone:
        model.backbone.init_cfg = None  # no ImageNet download here
    assert MODELS.build(model) is not None
    assert cfg.randomness.seed == 0


def _strings(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, str):
        yield value


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_depends_on_the_working_directory_only_for_its_roots(path):
    """Config files named by a config are found from its own folder
    ({{ fileDirname }}); only data and run outputs are relative to the
    working directory, under the usual data/ and work_dirs/ roots."""
    cfg = Config.fromfile(path, import_custom_modules=False).to_dict()
    for value in _strings(cfg):
        if urlparse(value).scheme in ('http', 'https'):
            continue
        if '/' not in value and not value.endswith(('.py', '.pth', '.npy')):
            continue  # not a path: a type, a view preset, a mode
        if osp.isabs(value):
            assert osp.exists(value), f'{path} names {value}, which is missing'
        else:
            assert value.startswith(('data/', 'work_dirs/')), (
                f'{path} names {value!r}, relative to the working directory '
                'but under neither data/ nor work_dirs/: name a config file '
                "as '{{ fileDirname }}/...'")


@pytest.mark.slow
def test_upstream_train_runs_an_online_config_from_another_folder(
        tiny_synthetic_root, tmp_path):
    """Upstream mmdet3d's tools/train.py, started outside the repository,
    finds the online teacher's config beside the student's config and its
    checkpoint through the work dir the config names (under the working
    directory's work_dirs/, here a fake trained teacher), then trains."""
    config = osp.join(REPO_ROOT, 'configs',
                      'pointmcd_dgcnn_synthetic_online.py')
    cfg = Config.fromfile(config)
    init_default_scope('mmdet3d')
    teacher = MODELS.build(Config.fromfile(cfg.model.teacher).model)
    teacher_dir = tmp_path / cfg.model.teacher_checkpoint
    teacher_dir.mkdir(parents=True)
    ckpt = teacher_dir / 'epoch_8.pth'
    torch.save(dict(state_dict=teacher.state_dict()), ckpt)
    (teacher_dir / 'last_checkpoint').write_text(str(ckpt))

    # The tiny distilled DGCNN, one epoch, 32 px views for the teacher.
    opts = student_options(tiny_synthetic_root, **{
        'model.vafp.out_channels': cfg.model.vafp.out_channels,
        'train_dataloader.dataset.pipeline.3.image_size': 32})
    proc = subprocess.run(
        [sys.executable, upstream('train.py'), config, '--cfg-options'] +
        as_cli(opts), cwd=tmp_path, capture_output=True, text=True,
        env=dict(os.environ, PYTHONUNBUFFERED='1'), timeout=900)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-6000:]
    assert f'teacher loaded from {ckpt}' in out
    assert re.search(r'loss_distill: [\d.]+', out)
    work_dir = tmp_path / 'work_dirs' / 'pointmcd_dgcnn_synthetic_online'
    assert (work_dir / 'epoch_1.pth').is_file()
