"""PixelMIoUMetric: per-view pixel mIoU over the category's parts and the
background, against a hand-computed case."""
import logging

import numpy as np
import pytest
import torch
from mmdet3d.structures import Det3DDataSample
from mmengine.logging import MMLogger

from pointmcd_plugin.evaluation.metrics.pixel_miou_metric import (
    PixelMIoUMetric, view_pixel_ious)

CLASSES = ('Cup', 'Knife')
PART_IDS = {'Cup': (0, 1, 2), 'Knife': (3, 4)}
BG = 5

# (category, ground truth (K, 2, 3), prediction (K, 2, 3)); view mIoUs by
# hand, classes = the category's parts + background 5:
#   A0 (Cup): 0: I 1 / U 3, 1: 2/3, 2: absent from both -> 1, 5: 1/2;
#     mean (1/3 + 2/3 + 1 + 1/2) / 4 = 5/8.
#   A1 (Cup): 0, 1 absent -> 1, 1; 2: 1/2; 5: 4/5; mean 3.3 / 4 = 33/40.
#   B0 (Knife): 3: 1/2, 4: 2/3, 5: 1/2 (the pixel predicted as part 2,
#     outside the Knife, is simply wrong); mean (5/3) / 3 = 5/9.
#   B1 (Knife): 3 predicted but absent from the ground truth -> 0; 4
#     absent from both -> 1; 5: 5/6; mean (11/6) / 3 = 11/18.
SHAPES = [
    (0, [[[0, 0, 1], [5, 5, 1]], [[2, 2, 5], [5, 5, 5]]],
        [[[0, 1, 1], [5, 0, 1]], [[2, 5, 5], [5, 5, 5]]]),
    (1, [[[3, 3, 4], [4, 5, 5]], [[5, 5, 5], [5, 5, 5]]],
        [[[3, 4, 4], [4, 5, 2]], [[3, 5, 5], [5, 5, 5]]]),
]
VIEWS = dict(A0=5 / 8, A1=33 / 40, B0=5 / 9, B1=11 / 18)
CUP, KNIFE = (VIEWS['A0'] + VIEWS['A1']) / 2, (VIEWS['B0'] + VIEWS['B1']) / 2


def samples(shapes=SHAPES):
    out = []
    for i, (cat, gt, pred) in enumerate(shapes):
        s = Det3DDataSample(metainfo=dict(sample_idx=i, category=cat,
                                          part_ids=PART_IDS[CLASSES[cat]]))
        s.gt_view_part_label = torch.tensor(gt)
        s.pred_view_part_label = torch.tensor(pred)
        out.append(s.to_dict())
    return out


def evaluate(metric, data_samples):
    metric.process({}, data_samples)
    return metric.compute_metrics(metric.results)


def test_view_ious_by_hand():
    np.testing.assert_allclose(
        view_pixel_ious(np.array(SHAPES[0][2][0]), np.array(SHAPES[0][1][0]),
                        PART_IDS['Cup'], BG), [1 / 3, 2 / 3, 1, 1 / 2])
    np.testing.assert_allclose(
        view_pixel_ious(np.array(SHAPES[1][2][1]), np.array(SHAPES[1][1][1]),
                        PART_IDS['Knife'], BG), [0, 1, 5 / 6])


def test_pixel_and_class_miou_against_the_hand_computed_case():
    metric = PixelMIoUMetric(per_category=True)
    metric.dataset_meta = dict(classes=CLASSES, part_ids=PART_IDS)
    logger = MMLogger.get_current_instance()
    messages = []
    handler = logging.Handler()
    handler.emit = lambda record: messages.append(record.getMessage())
    logger.addHandler(handler)
    try:
        metrics = evaluate(metric, samples())
    finally:
        logger.removeHandler(handler)
    assert metrics['pixel_miou'] == pytest.approx(
        100 * np.mean(list(VIEWS.values())))
    assert metrics['class_pixel_miou'] == pytest.approx(
        100 * (CUP + KNIFE) / 2)
    assert metrics['pixel_miou/Cup'] == pytest.approx(100 * CUP)
    assert metrics['pixel_miou/Knife'] == pytest.approx(100 * KNIFE)
    # The per-category table is logged.
    log = '\n'.join(messages)
    assert '| Cup ' in log and '| Knife ' in log
    assert f'{100 * KNIFE:.2f}' in log and f'{100 * CUP:.2f}' in log


def test_class_miou_weighs_categories_not_views():
    # Two Cup shapes and one Knife: the class mean differs from the mean
    # over views.
    shapes = [SHAPES[0], SHAPES[0], SHAPES[1]]
    metric = PixelMIoUMetric(background=BG)
    metrics = evaluate(metric, samples(shapes))
    assert metrics['pixel_miou'] == pytest.approx(
        100 * (2 * (VIEWS['A0'] + VIEWS['A1']) + VIEWS['B0'] +
               VIEWS['B1']) / 6)
    assert metrics['class_pixel_miou'] == pytest.approx(
        100 * (CUP + KNIFE) / 2)


def test_background_defaults_from_the_dataset_part_ids():
    metric = PixelMIoUMetric()
    metric.dataset_meta = dict(classes=CLASSES, part_ids=PART_IDS)
    assert metric._background() == BG
    # With background 4 the Knife's part 4 and the background clash, so
    # the scores change: the default is really used.
    other = PixelMIoUMetric(background=4)
    other.dataset_meta = dict(classes=CLASSES, part_ids=PART_IDS)
    assert evaluate(other, samples())['pixel_miou'] != pytest.approx(
        evaluate(metric, samples())['pixel_miou'])
    with pytest.raises(ValueError, match='background='):
        PixelMIoUMetric().process({}, samples())


def test_missing_fields_and_shapes_are_errors():
    bad = samples()
    del bad[0]['pred_view_part_label']
    with pytest.raises(KeyError, match='pred_view_part_label'):
        PixelMIoUMetric(background=BG).process({}, bad)
    bad = samples()
    bad[0]['pred_view_part_label'] = bad[0]['pred_view_part_label'][:1]
    with pytest.raises(ValueError, match='same \\(K, H, W\\)'):
        PixelMIoUMetric(background=BG).process({}, bad)
