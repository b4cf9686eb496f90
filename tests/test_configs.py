"""Every config parses, and every model a config names builds (those
needing a trained teacher's checkpoint are built without it)."""
import glob
import os.path as osp

import pytest
from mmdet3d.registry import MODELS
from mmengine.config import Config
from mmengine.registry import init_default_scope

import pointmcd_plugin  # noqa: F401

from .conftest import REPO_ROOT

CONFIGS = sorted(glob.glob(osp.join(REPO_ROOT, 'configs', '*.py')))


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_parses_and_its_model_builds(path):
    cfg = Config.fromfile(path)
    init_default_scope(cfg.get('default_scope', 'mmdet3d'))
    model = cfg.model
    if model.get('teacher') is not None:
        # The online twins: the teacher is a trained config's model.
        teacher = Config.fromfile(osp.join(REPO_ROOT, model.teacher)).model
        assert teacher.type.endswith('MultiViewImageTeacher')
        model.teacher = None
    if 'backbone' in model and 'init_cfg' in model.backbone:
        model.backbone.init_cfg = None  # no ImageNet download here
    assert MODELS.build(model) is not None
    assert cfg.randomness.seed == 0
