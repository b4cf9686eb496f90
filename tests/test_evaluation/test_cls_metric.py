import pytest
import torch
from mmdet3d.registry import METRICS

import pointmcd_plugin  # noqa: F401


def test_overall_and_mean_class_accuracy():
    metric = METRICS.build(dict(type='PointClsMetric', per_class=True))
    metric.dataset_meta = dict(classes=('a', 'b', 'c'))
    # class a: 3/4 right, class b: 1/1, class c: 0/1
    gts = [0, 0, 0, 0, 1, 2]
    preds = [0, 0, 0, 1, 1, 0]
    metric.process({}, [dict(gt_label=torch.tensor([g]),
                             pred_label=torch.tensor([p]))
                        for g, p in zip(gts, preds)])
    res = metric.evaluate(6)
    assert res['cls/overall_acc'] == pytest.approx(100 * 4 / 6)
    assert res['cls/mean_class_acc'] == pytest.approx(100 * (0.75 + 1 + 0) / 3)
    assert res['cls/acc/a'] == pytest.approx(75.0)


def test_absent_classes_do_not_count():
    metric = METRICS.build(dict(type='PointClsMetric'))
    metric.dataset_meta = dict(classes=('a', 'b', 'c'))
    metric.process({}, [dict(gt_label=torch.tensor([1]),
                             pred_label=torch.tensor([1]))])
    assert metric.evaluate(1)['cls/mean_class_acc'] == pytest.approx(100.0)


def test_missing_fields_raise():
    metric = METRICS.build(dict(type='PointClsMetric'))
    with pytest.raises(KeyError, match='pred_label'):
        metric.process({}, [dict(gt_label=torch.tensor([1]))])
