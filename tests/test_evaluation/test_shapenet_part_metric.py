"""ShapeNetPartMetric: instance / class mIoU against a hand-computed case,
under the standard and the PointMCD authors' (non-standard) scoring, in one
process and gathered from two."""
import logging
import os.path as osp
import socket

import numpy as np
import pytest
import torch
import torch.multiprocessing as mp
from mmdet3d.structures import Det3DDataSample, PointData
from mmengine.logging import MMLogger

from pointmcd_plugin.evaluation import ShapeNetPartMetric
from pointmcd_plugin.evaluation.metrics import shape_part_ious

CLASSES = ('Cup', 'Knife')
PART_IDS = {'Cup': (0, 1, 2), 'Knife': (3, 4)}
NUM_PARTS = 5

# (category, ground truth, prediction restricted to the category's parts,
# prediction over all parts). Hand-computed part IoUs:
#   A (Cup): standard 0: |{0,5}| / |{0,1,4,5}| = 1/2, 1: 2/4 = 1/2, 2: absent
#     from both -> 1; shape 2/3. Authors: point 5 goes to part 3 (outside
#     the Cup), so 0: 1/4, 1: 1/2, 2: 1 -> 7/12.
#   B (Cup): part 2 predicted, absent from the ground truth. Standard 0: 2/3,
#     1: 1, 2: 0 -> 5/9. Authors: 2 scores 1 -> 8/9.
#   C (Knife): 3: 1/2, 4: 1/2 -> 1/2 under both.
SHAPES = [
    (0, [0, 0, 1, 1, 1, 0], [0, 1, 1, 1, 0, 0], [0, 1, 1, 1, 0, 3]),
    (0, [0, 0, 0, 1], [0, 0, 2, 1], [0, 0, 2, 1]),
    (1, [3, 3, 4], [3, 4, 4], [3, 4, 4]),
]
STANDARD = dict(instance=(2 / 3 + 5 / 9 + 1 / 2) / 3,
                cls=((2 / 3 + 5 / 9) / 2 + 1 / 2) / 2,
                Cup=(2 / 3 + 5 / 9) / 2, Knife=1 / 2)
AUTHORS = dict(instance=(7 / 12 + 8 / 9 + 1 / 2) / 3,
               cls=((7 / 12 + 8 / 9) / 2 + 1 / 2) / 2)


def samples(shapes=SHAPES):
    """Predicted data samples as the evaluator hands them to the metric."""
    out = []
    for i, (cat, gt, pred, pred_all) in enumerate(shapes):
        s = Det3DDataSample(metainfo=dict(
            sample_idx=i, category=cat,
            part_ids=PART_IDS[CLASSES[cat]]))
        s.gt_pts_seg = PointData(pts_semantic_mask=torch.tensor(gt))
        s.pred_pts_seg = PointData(pts_semantic_mask=torch.tensor(pred))
        # Logits whose argmax over all parts is pred_all and over the
        # category's parts is pred.
        onehot = torch.nn.functional.one_hot
        logits = (2 * onehot(torch.tensor(pred_all), NUM_PARTS) +
                  onehot(torch.tensor(pred), NUM_PARTS)).float().T
        s.pts_seg_logits = PointData(pts_seg_logits=logits)
        out.append(s.to_dict())
    return out


def evaluate(scoring='standard', shapes=SHAPES, **kwargs):
    metric = ShapeNetPartMetric(scoring=scoring, **kwargs)
    metric.dataset_meta = dict(classes=CLASSES, part_ids=PART_IDS)
    metric.process({}, samples(shapes))
    return metric.evaluate(len(shapes))


def test_instance_and_class_miou_match_the_hand_computed_case():
    metrics = evaluate(per_category=True)
    assert metrics['partseg/instance_miou'] == pytest.approx(
        100 * STANDARD['instance'])
    assert metrics['partseg/class_miou'] == pytest.approx(
        100 * STANDARD['cls'])
    assert metrics['partseg/miou/Cup'] == pytest.approx(100 * STANDARD['Cup'])
    assert metrics['partseg/miou/Knife'] == pytest.approx(50.0)
    # Instance and class mIoU differ: the Cup has two shapes.
    assert STANDARD['instance'] != pytest.approx(STANDARD['cls'])


def test_the_authors_scoring_is_reproduced_under_its_own_name():
    metrics = evaluate(scoring='authors_nonstandard')
    assert set(metrics) == {
        'partseg/instance_miou_authors_nonstandard',
        'partseg/class_miou_authors_nonstandard'}
    assert metrics['partseg/instance_miou_authors_nonstandard'] == \
        pytest.approx(100 * AUTHORS['instance'])
    assert metrics['partseg/class_miou_authors_nonstandard'] == \
        pytest.approx(100 * AUTHORS['cls'])


def test_part_ious_of_one_shape_under_both_rules():
    gt, pred = np.array([0, 0, 0, 1]), np.array([0, 0, 2, 1])
    np.testing.assert_allclose(shape_part_ious(pred, gt, (0, 1, 2)),
                               [2 / 3, 1, 0])
    np.testing.assert_allclose(
        shape_part_ious(pred, gt, (0, 1, 2), 'authors_nonstandard'),
        [2 / 3, 1, 1])
    with pytest.raises(ValueError, match='scoring must be one of'):
        shape_part_ious(pred, gt, (0, 1), 'authors')


def test_the_per_category_table_is_logged():
    logger = MMLogger.get_current_instance()
    messages = []
    handler = logging.Handler()
    handler.emit = lambda record: messages.append(record.getMessage())
    logger.addHandler(handler)
    try:
        evaluate()
    finally:
        logger.removeHandler(handler)
    log = '\n'.join(messages)
    assert '| Cup ' in log and '| Knife ' in log
    assert f'{100 * STANDARD["Cup"]:.2f}' in log and '50.00' in log


def test_missing_fields_are_named():
    metric = ShapeNetPartMetric()
    sample = samples()[0]
    del sample['gt_pts_seg']
    with pytest.raises(KeyError, match='gt_pts_seg.pts_semantic_mask'):
        metric.process({}, [sample])
    sample = samples()[0]
    del sample['pts_seg_logits']
    with pytest.raises(KeyError, match='pts_seg_logits.pts_seg_logits'):
        ShapeNetPartMetric(scoring='authors_nonstandard').process({},
                                                                  [sample])
    with pytest.raises(ValueError, match='scoring must be one of'):
        ShapeNetPartMetric(scoring='pointmcd')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _rank_main(rank: int, world_size: int, port: int, out_dir: str) -> None:
    import pickle

    import torch.distributed as dist
    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}',
                            rank=rank, world_size=world_size)
    try:
        # Rank 0 holds shapes A and B, rank 1 shape C (mmengine's default
        # sampler would split them by index the same way).
        shard = SHAPES[:2] if rank == 0 else SHAPES[2:]
        metric = ShapeNetPartMetric()
        metric.dataset_meta = dict(classes=CLASSES, part_ids=PART_IDS)
        metric.process({}, samples(shard))
        metrics = metric.evaluate(len(SHAPES))
        with open(osp.join(out_dir, f'rank{rank}.pkl'), 'wb') as f:
            pickle.dump(metrics, f)
    finally:
        dist.destroy_process_group()


@pytest.mark.slow
def test_two_processes_gather_the_same_scores(tmp_path):
    import pickle
    mp.spawn(_rank_main, args=(2, _free_port(), str(tmp_path)), nprocs=2)
    for rank in range(2):
        with open(tmp_path / f'rank{rank}.pkl', 'rb') as f:
            metrics = pickle.load(f)
        assert metrics['partseg/instance_miou'] == pytest.approx(
            100 * STANDARD['instance'])
        assert metrics['partseg/class_miou'] == pytest.approx(
            100 * STANDARD['cls'])
