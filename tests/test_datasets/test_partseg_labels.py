"""Per-point part labels through the part-segmentation data path: they
follow their points through every point transform of the configs'
pipelines into mmdet3d's gt_pts_seg field, and a bad label or an unknown
category is an error naming the file, in both ShapeNetPart layouts."""
import functools
import json
import os
import os.path as osp

import numpy as np
import pytest
from mmdet3d.registry import TRANSFORMS
from mmdet3d.structures import Det3DDataSample, PointData
from mmengine.config import Config

from pointmcd_plugin.datasets import (PointMCDShapeNetPartDataset,
                                      ShapeNetPartDataset)
from pointmcd_plugin.datasets.pointmcd_preprocessed import \
    POINTMCD_SHAPENETPART_PART_IDS

from ..conftest import REPO_ROOT
from .test_shapenet_part import REAL_SYNSETS, write_shapenetpart

LOAD = [dict(type='LoadShapePoints')]


@functools.lru_cache()
def config_pipelines():
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs', '_base_',
                                   'datasets', 'shapenetpart.py'))
    return cfg.train_pipeline, cfg.test_pipeline


def with_sampling(pipeline, num_points, method):
    """The pipeline with its SamplePoints (step 2) set as given."""
    pipeline = [dict(t) for t in pipeline]
    assert pipeline[2]['type'] == 'SamplePoints'
    pipeline[2].update(num_points=num_points, method=method)
    return pipeline


def original_rows(results, raw):
    """Index into the file's rows of every output point: the recorded
    normalisation, scaling, shift and rotation undone, then the exact
    match."""
    xyz = results['points'][:, :3].astype(np.float64)
    if 'aug_rotation' in results:
        xyz = xyz @ results['aug_rotation'].astype(np.float64)
    if 'aug_scale' in results:
        xyz = (xyz - results['aug_shift']) / results['aug_scale']
    xyz = xyz / results['norm_scale'] + results['norm_centre']
    dist = ((xyz[:, None] - raw[None, :, :3])**2).sum(-1)
    assert dist.min(1).max() < 1e-8, 'an output point matches no input row'
    return dist.argmin(1)


@pytest.mark.parametrize('num_points,method', [
    (40, 'random'), (80, 'random'), (30, 'first'), (30, 'fps')])
def test_labels_follow_their_points_through_the_config_pipelines(
        tmp_path, num_points, method):
    rows = write_shapenetpart(str(tmp_path))
    train, test = config_pipelines()
    # The training pipeline with a rotation too (every point transform of
    # the plugin that moves or reorders points).
    train = train[:4] + [dict(type='RandomRotatePoints')] + train[4:]
    for pipeline in (train, test):
        steps = with_sampling(pipeline, num_points, method)
        # (serialize_data=False: no gc.collect, which costs 0.5 s here)
        ds = ShapeNetPartDataset(str(tmp_path), split='trainval',
                                 pipeline=steps[:-1], serialize_data=False)
        pack = TRANSFORMS.build(steps[-1])
        for i in range(len(ds)):
            np.random.seed(i)
            results = ds[i]
            cat, raw = rows[results['shape_id']]
            idx = original_rows(results, raw)
            np.testing.assert_array_equal(results['pts_part_label'],
                                          raw[idx, 6])
            packed = pack(results)
            sample = packed['data_samples']
            assert packed['inputs']['points'].shape == (num_points, 3)
            np.testing.assert_array_equal(
                sample.gt_pts_seg.pts_semantic_mask.numpy(), raw[idx, 6])
            assert sample.metainfo['category'] == results['category']
            assert sample.metainfo['part_ids'] == \
                ShapeNetPartDataset.METAINFO['part_ids'][cat]


def test_packed_samples_are_mmdet3ds():
    pack = TRANSFORMS.build(dict(type='PackPartSegInputs'))
    results = dict(points=np.zeros((5, 6), np.float32),
                   pts_part_label=np.arange(5), category=2,
                   part_ids=(3, 4), sample_idx=7, shape_id='s',
                   visibility=np.ones((5, 2), bool))
    packed = pack(results)
    sample = packed['data_samples']
    assert isinstance(sample, Det3DDataSample)
    assert isinstance(sample.gt_pts_seg, PointData)
    assert sample.metainfo == dict(sample_idx=7, shape_id='s', category=2,
                                   part_ids=(3, 4))
    assert sample.visibility.shape == (5, 2)
    with pytest.raises(ValueError, match='5 part labels for 4 points'):
        pack(dict(results, points=np.zeros((4, 6), np.float32),
                  visibility=np.ones((4, 2), bool)))
    with pytest.raises(KeyError, match=r"has no \['part_ids'\]"):
        pack({k: v for k, v in results.items() if k != 'part_ids'})
    with pytest.raises(ValueError, match='meta_keys must include'):
        TRANSFORMS.build(dict(type='PackPartSegInputs',
                              meta_keys=('category', )))


# --- errors naming the file, the normal release's layout -----------------

def rewrite(path, edit):
    data = np.loadtxt(path, ndmin=2)
    edit(data)
    np.savetxt(path, data, fmt='%.6f')


def first_file(root, rows, category):
    shape = next(s for s, (cat, _) in rows.items() if cat == category)
    return shape, osp.join(root, REAL_SYNSETS[category], shape + '.txt')


def load_all(ds):
    for i in range(len(ds)):
        ds[i]


def test_release_part_label_outside_the_category_is_named(tmp_path):
    root = str(tmp_path)
    rows = write_shapenetpart(root)
    shape, path = first_file(root, rows, 'Mug')
    rewrite(path, lambda d: d.__setitem__((3, 6), 5))  # a Bag part
    ds = ShapeNetPartDataset(root, split='trainval', pipeline=LOAD)
    with pytest.raises(ValueError, match=rf'{shape}.txt: part labels .* are '
                       r'not all part ids \(36, 37\) of Mug'):
        load_all(ds)


def test_release_non_integer_part_label_is_named(tmp_path):
    root = str(tmp_path)
    rows = write_shapenetpart(root)
    shape, path = first_file(root, rows, 'Mug')
    rewrite(path, lambda d: d.__setitem__((4, 6), 36.6))
    ds = ShapeNetPartDataset(root, split='trainval', pipeline=LOAD)
    with pytest.raises(ValueError, match=rf'{shape}.txt: row 5 of 50 has the '
                       r'part label 36.6, not an integer part id'):
        load_all(ds)


def test_release_unknown_categories_are_named(tmp_path):
    root = str(tmp_path)
    write_shapenetpart(root)
    listing = osp.join(root, 'train_test_split',
                       'shuffled_test_file_list.json')
    with open(listing) as f:
        entries = json.load(f)
    with open(listing, 'w') as f:
        json.dump(entries + ['shape_data/04379243/abc'], f)  # Table: unlisted
    with pytest.raises(ValueError, match=rf"{listing}: entry "
                       r"'shape_data/04379243/abc' is not .* a synset listed"):
        ShapeNetPartDataset(root, split='test')
    with open(osp.join(root, 'synsetoffset2category.txt'), 'a') as f:
        f.write('Spaceship\t09999999\n')
    with pytest.raises(ValueError, match=r"synsetoffset2category.txt lists "
                       r"categories \['Spaceship'\]"):
        ShapeNetPartDataset(root, split='train')


# --- errors naming the file, the PointMCD authors' layout -----------------

def write_authors_points(root, names=('mug_0001', 'table_0002')):
    """class_list.txt, train_list.txt and ';'-separated labelled points."""
    rng = np.random.default_rng(0)
    with open(osp.join(root, 'class_list.txt'), 'w') as f:
        f.write('\n'.join(POINTMCD_SHAPENETPART_PART_IDS) + '\n')
    with open(osp.join(root, 'train_list.txt'), 'w') as f:
        f.write('\n'.join(names) + '\n')
    paths = {}
    for name in names:
        cls_name = name[:-5]
        folder = osp.join(root, 'point_cloud_labeled_2048', cls_name)
        os.makedirs(folder, exist_ok=True)
        part = rng.choice(POINTMCD_SHAPENETPART_PART_IDS[cls_name], 20)
        data = np.concatenate([rng.standard_normal((20, 3)), part[:, None]],
                              1)
        paths[name] = osp.join(folder, name + '.txt')
        np.savetxt(paths[name], data, fmt='%.6f', delimiter=';')
    return paths


def test_authors_part_labels_are_checked_and_packed(tmp_path):
    root = str(tmp_path)
    paths = write_authors_points(root)
    ds = PointMCDShapeNetPartDataset(root, split='train', pipeline=LOAD)
    info = ds[1]
    assert info['part_ids'] == (47, 48, 49)  # table
    packed = TRANSFORMS.build(dict(type='PackPartSegInputs'))(info)
    assert packed['data_samples'].metainfo['part_ids'] == (47, 48, 49)
    np.testing.assert_array_equal(
        packed['data_samples'].gt_pts_seg.pts_semantic_mask.numpy(),
        np.loadtxt(paths['table_0002'], delimiter=';')[:, 3])
    data = np.loadtxt(paths['table_0002'], delimiter=';')
    data[7, 3] = 47.6
    np.savetxt(paths['table_0002'], data, fmt='%.6f', delimiter=';')
    with pytest.raises(ValueError, match=r'table_0002.txt: row 8 of 20 has '
                       r'the part label 47.6, not an integer'):
        ds[1]
    data[7, 3] = 12  # a chair part
    np.savetxt(paths['table_0002'], data, fmt='%.6f', delimiter=';')
    with pytest.raises(ValueError, match=r'table_0002.txt: part labels .* '
                       r'are not all part ids \(47, 48, 49\) of table'):
        ds[1]


def test_authors_unknown_categories_are_named(tmp_path):
    root = str(tmp_path / 'a')
    os.makedirs(root)
    write_authors_points(root)
    with open(osp.join(root, 'train_list.txt'), 'a') as f:
        f.write('spaceship_0003\n')
    with pytest.raises(ValueError, match=r"train_list.txt: 'spaceship_0003' "
                       r'is not "<class>_<4 digits>" with a listed class'):
        PointMCDShapeNetPartDataset(root, split='train')
    root = str(tmp_path / 'b')
    os.makedirs(root)
    write_authors_points(root)
    with open(osp.join(root, 'class_list.txt'), 'a') as f:
        f.write('spaceship\n')
    with pytest.raises(ValueError, match=r'class_list.txt lists 17 classes'):
        PointMCDShapeNetPartDataset(root, split='train')
