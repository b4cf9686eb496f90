"""Teacher knowledge keyed by shape id: the plugin's cache and the authors'
exported descriptor files come through one transform, and a cache made
for anything else fails clearly."""
import os
import pickle

import numpy as np
import pytest
from mmdet3d.registry import TRANSFORMS

from pointmcd_plugin.datasets import PointMCDModelNet40Dataset
from pointmcd_plugin.datasets.knowledge import (TeacherKnowledgeCache,
                                                manifest_path)

from .test_pointmcd_preprocessed import write_authors_layout


def authors_dataset(tmp_path, split='train'):
    root, expt = str(tmp_path / 'data'), str(tmp_path / 'expt')
    if not os.path.isdir(root):
        os.makedirs(root)
        write_authors_layout(root, expt)
    load = [dict(type='LoadShapePoints'), dict(type='LoadTeacherKnowledge')]
    return PointMCDModelNet40Dataset(root, split=split, descriptor_root=expt,
                                     pipeline=load)


def export(path, dataset, **meta):
    """The cache of a dataset's own descriptors, in its order."""
    infos = [dataset[i] for i in range(len(dataset))]
    TeacherKnowledgeCache.write(
        path, np.stack([r['teacher_descriptors'] for r in infos]),
        [r['shape_id'] for r in infos], **meta)


def test_authors_files_and_the_plugin_cache_give_the_same_knowledge(
        tmp_path):
    ds = authors_dataset(tmp_path)
    cache = str(tmp_path / 'train_knowledge.npy')
    export(cache, ds, split='train')
    load = TRANSFORMS.build(dict(type='LoadTeacherKnowledge', cache=cache,
                                 expect=dict(split='train')))
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        from_cache = load(dict(info))['teacher_descriptors']
        np.testing.assert_array_equal(from_cache, ds[i]['teacher_descriptors'])
        assert from_cache.shape == (12, 8) and from_cache.dtype == np.float32
    # Picklable for DataLoader workers (the memory map is re-opened).
    clone = pickle.loads(pickle.dumps(load))
    np.testing.assert_array_equal(
        clone(ds.get_data_info(1))['teacher_descriptors'],
        load(ds.get_data_info(1))['teacher_descriptors'])


def test_a_cache_for_another_split_or_order_fails_naming_both_ids(tmp_path):
    ds = authors_dataset(tmp_path)
    cache = str(tmp_path / 'knowledge.npy')
    export(cache, ds, split='train')
    desc = np.load(cache)
    # The same shapes listed in another order.
    TeacherKnowledgeCache.write(cache, desc[::-1],
                                ['night_stand_0042', 'airplane_0001'])
    load = TRANSFORMS.build(dict(type='LoadTeacherKnowledge', cache=cache))
    with pytest.raises(ValueError, match=r"knowledge.npy: row 0 holds shape "
                       r"'night_stand_0042', but the sample is "
                       r"'airplane_0001'"):
        load(ds.get_data_info(0))
    # A cache of fewer samples (another split).
    TeacherKnowledgeCache.write(cache, desc[:1], ['airplane_0001'])
    load = TRANSFORMS.build(dict(type='LoadTeacherKnowledge', cache=cache))
    with pytest.raises(IndexError, match='descriptors of 1 samples, but '
                       "sample_idx=1 \\(shape 'night_stand_0042'\\)"):
        load(ds.get_data_info(1))
    # Refused by its manifest before any lookup.
    TeacherKnowledgeCache.write(cache, desc, ['airplane_0001',
                                              'night_stand_0042'],
                                split='test', views='modelnet40_12')
    load = TRANSFORMS.build(dict(type='LoadTeacherKnowledge', cache=cache,
                                 expect=dict(split='train')))
    with pytest.raises(ValueError, match="exported for split='test', but "
                       "this run needs split='train'"):
        load(ds.get_data_info(0))
    load = TRANSFORMS.build(dict(type='LoadTeacherKnowledge', cache=cache,
                                 num_views=16))
    with pytest.raises(ValueError, match='12 view descriptors .* expected 16'):
        load(ds.get_data_info(0))


def test_an_incomplete_export_is_never_read(tmp_path):
    ds = authors_dataset(tmp_path)
    cache = str(tmp_path / 'knowledge.npy')
    load = TRANSFORMS.build(dict(type='LoadTeacherKnowledge', cache=cache))
    with pytest.raises(FileNotFoundError, match='knowledge.npy is missing: '
                       'export it first'):
        load(ds.get_data_info(0))
    export(cache, ds)
    os.remove(manifest_path(cache))  # killed before the manifest
    with pytest.raises(FileNotFoundError, match='not a complete export'):
        TRANSFORMS.build(dict(type='LoadTeacherKnowledge', cache=cache))(
            ds.get_data_info(0))


def test_authors_descriptors_need_a_descriptor_root(tmp_path):
    authors_dataset(tmp_path)
    ds = PointMCDModelNet40Dataset(str(tmp_path / 'data'), split='train')
    with pytest.raises(KeyError, match='descriptor_root'):
        TRANSFORMS.build(dict(type='LoadTeacherKnowledge'))(
            ds.get_data_info(0))
    # A dataset that lists descriptor files refuses a pipeline that would
    # never read them.
    with pytest.raises(ValueError, match="descriptor_path but its pipeline "
                       "does not read it: add dict\\(type="
                       "'LoadTeacherKnowledge'\\)"):
        PointMCDModelNet40Dataset(str(tmp_path / 'data'), split='train',
                                  descriptor_root=str(tmp_path / 'expt'),
                                  pipeline=[dict(type='LoadShapePoints')])


def test_loaders_read_through_a_local_backend(tmp_path):
    authors_dataset(tmp_path)
    backend = dict(backend='local')
    ds = PointMCDModelNet40Dataset(
        str(tmp_path / 'data'), split='train', load_images=True,
        load_visibility=True, descriptor_root=str(tmp_path / 'expt'),
        backend_args=backend,
        pipeline=[dict(type=t, backend_args=backend) for t in (
            'LoadShapePoints', 'LoadMultiViewImages', 'LoadViewVisibility',
            'LoadTeacherKnowledge')])
    plain = authors_dataset(tmp_path)
    out = ds[0]
    np.testing.assert_array_equal(out['points'], plain[0]['points'])
    assert out['visibility'].shape == (1024, 12)
    assert len(out['img']) == 12
    np.testing.assert_array_equal(out['teacher_descriptors'],
                                  plain[0]['teacher_descriptors'])
