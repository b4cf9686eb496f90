"""LinearSVMMetric: fits on one tagged split and scores another; ~100 % on
a separable toy set, well below on a non-separable one, the same numbers
whatever order or number of processes the samples come from; and the
TaggedSplitsDataset that tags the classification splits for it."""
import os.path as osp
import pickle
import socket

import numpy as np
import pytest
import torch
import torch.multiprocessing as mp
from mmdet3d.registry import DATASETS, METRICS
from mmengine.registry import init_default_scope

import pointmcd_plugin  # noqa: F401

from ..conftest import TINY_GENERATE


def blobs(per_class, seed, dim=8, classes=3, spread=0.3):
    """Well separated Gaussian blobs: class c around 3 * e_c."""
    rng = np.random.default_rng(seed)
    x = np.concatenate([rng.normal(0, spread, (per_class, dim)) +
                        3 * np.eye(dim)[c] for c in range(classes)])
    return x.astype(np.float32), np.repeat(np.arange(classes), per_class)


def xor(per_quadrant, seed):
    """Two classes in the four quadrants, class = sign(x) xor sign(y): no
    line separates them."""
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for sx, sy in ((1, 1), (-1, -1), (1, -1), (-1, 1)):
        xs.append(rng.normal(0, 0.2, (per_quadrant, 2)) + (sx, sy))
        ys += [int(sx != sy)] * per_quadrant
    return np.concatenate(xs).astype(np.float32), np.asarray(ys)


def tagged_samples(fit, score, score_split='test'):
    """Data samples (as dicts, the way the evaluator passes them) of a fit
    split followed by a scored split, with their concat_idx."""
    out = []
    for split, (x, y) in (('train', fit), (score_split, score)):
        for feat, label in zip(x, y):
            out.append(dict(split=split, concat_idx=len(out),
                            gt_label=torch.tensor([int(label)]),
                            codeword=torch.from_numpy(feat)))
    return out


def evaluate(samples, **kwargs):
    metric = METRICS.build(dict(type='LinearSVMMetric', **kwargs))
    metric.process({}, samples)
    return metric.evaluate(len(samples))


def test_separable_features_are_classified_perfectly():
    samples = tagged_samples(blobs(30, seed=0), blobs(10, seed=1))
    for normalize in (None, 'l2', 'standard'):
        res = evaluate(samples, normalize=normalize)
        assert res['svm/accuracy'] == pytest.approx(100.0), normalize
        assert res['svm/mean_class_acc'] == pytest.approx(100.0)


def test_non_separable_features_score_well_below():
    res = evaluate(tagged_samples(xor(40, seed=0), xor(20, seed=1)))
    assert res['svm/accuracy'] < 80.0
    # Scoring on the fit split's own shapes would not make it separable
    # either, but the test split is what is reported.
    assert set(res) == {'svm/accuracy', 'svm/mean_class_acc'}


def test_the_order_the_samples_arrive_in_does_not_matter():
    samples = tagged_samples(xor(30, seed=2), xor(15, seed=3))
    ref = evaluate(samples)
    rng = np.random.default_rng(0)
    shuffled = [samples[i] for i in rng.permutation(len(samples))]
    assert evaluate(shuffled) == ref


def test_the_scored_split_is_configurable_and_pooling_reduces_features():
    fit, score = blobs(20, seed=4), blobs(5, seed=5)
    samples = tagged_samples(fit, score, score_split='val')
    assert evaluate(samples, score_split='val')['svm/accuracy'] == 100.0
    # Per-point features (N, D) max-pooled to (D,).
    for s in samples:
        s['point_feats'] = torch.stack([s['codeword'], s['codeword'] - 1])
    res = evaluate(samples, score_split='val', feature_key='point_feats',
                   pooling='max')
    assert res['svm/accuracy'] == 100.0


def test_missing_fields_and_splits_are_named():
    samples = tagged_samples(blobs(5, seed=6), blobs(2, seed=7))
    metric = METRICS.build(dict(type='LinearSVMMetric'))
    bad = dict(samples[0])
    del bad['split']
    with pytest.raises(KeyError, match='TaggedSplitsDataset'):
        metric.process({}, [bad])
    with pytest.raises(KeyError, match="'codeword'"):
        METRICS.build(dict(type='LinearSVMMetric',
                           feature_key='global_feat')).process({}, samples)
    with pytest.raises(ValueError, match="no sample of split 'val'"):
        evaluate(samples, score_split='val')
    with pytest.raises(ValueError, match='both'):
        METRICS.build(dict(type='LinearSVMMetric', score_split='train'))
    with pytest.raises(ValueError, match='normalize must be one of'):
        METRICS.build(dict(type='LinearSVMMetric', normalize='minmax'))


def test_tagged_splits_dataset_tags_every_sample(tiny_synthetic_root):
    init_default_scope('mmdet3d')
    pipeline = [dict(type='SamplePoints', num_points=32),
                dict(type='PackPointInputs')]
    split = dict(type='SyntheticShapesClsDataset',
                 data_root=tiny_synthetic_root, generate=TINY_GENERATE,
                 pipeline=pipeline, test_mode=True)
    ds = DATASETS.build(dict(
        type='TaggedSplitsDataset',
        datasets=dict(train=dict(split, split='train'),
                      test=dict(split, split='test'))))
    n_train, n_test = 12 * TINY_GENERATE['num_train_per_class'], \
        12 * TINY_GENERATE['num_test_per_class']
    assert len(ds) == n_train + n_test
    assert len(ds.metainfo['classes']) == 12
    first, last = ds[0]['data_samples'], ds[len(ds) - 1]['data_samples']
    assert (first.split, first.concat_idx) == ('train', 0)
    assert (last.split, last.concat_idx) == ('test', len(ds) - 1)
    assert ds[-1]['data_samples'].concat_idx == len(ds) - 1
    assert ds[n_train]['data_samples'].split == 'test'
    assert ds[0]['inputs']['points'].shape == (32, 3)
    with pytest.raises(TypeError, match='non-empty dict'):
        DATASETS.build(dict(type='TaggedSplitsDataset',
                            datasets=[dict(split, split='train')]))


# ------------------------------------------------------------ 2 processes


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _rank_main(rank: int, world_size: int, port: int, out_dir: str,
               samples) -> None:
    import torch.distributed as dist
    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}',
                            rank=rank, world_size=world_size)
    try:
        # As mmengine's DefaultSampler (no shuffle) shards: every
        # world_size-th sample, the last shard padded from the start.
        size = len(samples)
        total = -(-size // world_size) * world_size
        indices = (list(range(size)) * 2)[:total][rank:total:world_size]
        metric = METRICS.build(dict(type='LinearSVMMetric'))
        metric.process({}, [samples[i] for i in indices])
        metrics = metric.evaluate(size)
        with open(osp.join(out_dir, f'rank{rank}.pkl'), 'wb') as f:
            pickle.dump(metrics, f)
    finally:
        dist.destroy_process_group()


@pytest.mark.slow
def test_two_processes_gather_the_features_and_agree_with_one(tmp_path):
    # 59 samples (40 fit, 19 scored): odd, so the second rank is padded
    # with a repeat of the first sample, which the gathering drops.
    samples = tagged_samples(xor(10, seed=4), xor(5, seed=5))[:59]
    ref = evaluate(samples)
    mp.spawn(_rank_main, args=(2, _free_port(), str(tmp_path), samples),
             nprocs=2)
    for rank in range(2):
        with open(tmp_path / f'rank{rank}.pkl', 'rb') as f:
            assert pickle.load(f) == ref
