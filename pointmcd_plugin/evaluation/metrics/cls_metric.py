from typing import Dict, List, Optional, Sequence

import numpy as np
from mmdet3d.registry import METRICS
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger


@METRICS.register_module()
class PointClsMetric(BaseMetric):
    """Overall accuracy and mean class accuracy, the 3D shape
    classification convention (OA / mAcc).

    mmpretrain's ``Accuracy`` reports OA only and its ``SingleLabelMetric``
    calls mAcc "recall"; this metric reports both under their 3D names, and
    logs the per-class table with the dataset's class names.

    Reads ``pred_label`` and ``gt_label`` from the predicted data samples.

    Args:
        per_class (bool): Also return ``acc/<class>`` for every class.
        collect_device / prefix: As in mmengine's ``BaseMetric``.
    """
    default_prefix: Optional[str] = 'cls'

    def __init__(self, per_class: bool = False,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.per_class = per_class

    def process(self, data_batch: Dict, data_samples: Sequence[Dict]) -> None:
        for sample in data_samples:
            if 'pred_label' not in sample or 'gt_label' not in sample:
                raise KeyError('PointClsMetric needs pred_label and gt_label '
                               f'in every data sample, got {list(sample)}')
            self.results.append((int(sample['pred_label'].reshape(-1)[0]),
                                 int(sample['gt_label'].reshape(-1)[0])))

    def compute_metrics(self, results: List) -> Dict[str, float]:
        pred, gt = np.asarray(results, dtype=np.int64).T
        classes = (self.dataset_meta or {}).get('classes')
        num_classes = len(classes) if classes else int(max(gt.max(),
                                                           pred.max())) + 1
        correct = pred == gt
        present = np.bincount(gt, minlength=num_classes) > 0
        per_class = np.bincount(gt, weights=correct, minlength=num_classes)
        per_class = per_class / np.maximum(np.bincount(
            gt, minlength=num_classes), 1)
        metrics = dict(overall_acc=100.0 * correct.mean(),
                       mean_class_acc=100.0 * per_class[present].mean())
        names = classes or [str(i) for i in range(num_classes)]
        table = ', '.join(f'{n}: {100 * a:.1f}'
                          for n, a, p in zip(names, per_class, present) if p)
        MMLogger.get_current_instance().info(f'per-class accuracy: {table}')
        if self.per_class:
            for n, a, p in zip(names, per_class, present):
                if p:
                    metrics[f'acc/{n}'] = 100.0 * a
        return metrics
