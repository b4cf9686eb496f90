"""The ScanObjectNN OBJ_BG configs (baseline, teacher, PointMCD) read the
release's files, render views from the points, distil from a cache of
that split, and name the release when it is absent."""
import os
import os.path as osp

import h5py
import numpy as np
import pytest
import torch
from mmdet3d.registry import DATASETS, MODELS
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope

import pointmcd_plugin  # noqa: F401
from pointmcd_plugin.datasets.knowledge import TeacherKnowledgeCache

from ..conftest import REPO_ROOT

NUM = 3


def _config(name, root):
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs', name))
    init_default_scope('mmdet3d')
    ds = cfg.train_dataloader.dataset
    if root is not None:
        ds.data_root = root
    return cfg, ds


def _release(root):
    """OBJ_BG files as the release lays them out (2048 points, on a
    sphere so that views and visibility have a surface)."""
    rng = np.random.default_rng(0)
    os.makedirs(osp.join(root, 'main_split'))
    for prefix in ('training', 'test'):
        pts = rng.standard_normal((NUM, 2048, 3))
        pts /= np.linalg.norm(pts, axis=-1, keepdims=True)
        with h5py.File(osp.join(root, 'main_split',
                                f'{prefix}_objectdataset.h5'), 'w') as f:
            f['data'] = (pts * [0.9, 0.6, 0.4]).astype(np.float32)
            f['label'] = rng.integers(0, 15, NUM)
    return root


@pytest.mark.parametrize('name', ['dgcnn_scanobjectnn.py',
                                  'teacher_mobilenetv2_scanobjectnn.py',
                                  'pointmcd_dgcnn_scanobjectnn.py'])
def test_absent_release_names_its_source(name):
    _, ds = _config(name, None)
    assert ds.data_root == 'data/scanobjectnn/h5_files'
    with pytest.raises(FileNotFoundError, match='request access'):
        DATASETS.build(ds)


def test_teacher_views_are_rendered_from_the_points(tmp_path):
    _, ds = _config('teacher_mobilenetv2_scanobjectnn.py',
                    _release(str(tmp_path / 'h5_files')))
    sample = DATASETS.build(ds)[0]
    views = sample['inputs']['img']
    assert views.shape == (12, 1, 224, 224) and views.dtype == torch.uint8
    # A shape on the white background, not a blank or a filled frame.
    assert 0.05 < (views < 255).float().mean() < 0.9


def test_pointmcd_config_distils_from_a_cache_of_its_split(tmp_path):
    root = _release(str(tmp_path / 'h5_files'))
    cfg, ds = _config('pointmcd_dgcnn_scanobjectnn.py', root)
    base = DATASETS.build(_config('dgcnn_scanobjectnn.py', root)[1])
    ids = [base.get_data_info(i)['shape_id'] for i in range(NUM)]
    cache = str(tmp_path / 'knowledge_train.npy')
    meta = dict(dataset_type=cfg.dataset_type, data_root=root,
                split='train', views='modelnet40_12')
    knowledge = np.random.default_rng(1).random((NUM, 12, 512),
                                                np.float32)
    TeacherKnowledgeCache.write(cache, knowledge, ids, **meta)
    for t in ds.pipeline:
        if t['type'] == 'LoadTeacherKnowledge':
            t['cache'] = cache
            t['expect']['data_root'] = root
    dataset = DATASETS.build(ds)
    sample = dataset[1]
    assert sample['data_samples'].visibility.shape == (1024, 12)
    # The descriptors are the cache's row of this very shape.
    np.testing.assert_array_equal(
        np.asarray(sample['data_samples'].teacher_descriptors), knowledge[1])
    model = MODELS.build(cfg.model)
    data = model.data_preprocessor(
        pseudo_collate([dataset[i] for i in range(2)]), True)
    losses = model.loss(**data)
    assert set(losses) == {'loss_cls', 'loss_distill'}
    assert all(torch.isfinite(v) for v in losses.values())
    # A cache of the test split is refused.
    TeacherKnowledgeCache.write(cache, np.random.rand(NUM, 12, 512), ids,
                                **dict(meta, split='test'))
    with pytest.raises(Exception, match='split'):
        DATASETS.build(ds)[0]
