"""ShapeNetPart's part-segmentation scores: instance and class mIoU."""
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmdet3d.registry import METRICS
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

SCORINGS = ('standard', 'authors_nonstandard')


def shape_part_ious(pred: np.ndarray, gt: np.ndarray,
                    part_ids: Sequence[int],
                    scoring: str = 'standard') -> np.ndarray:
    """IoU of each part of a shape's category.

    Args:
        pred (np.ndarray): (N,) predicted part ids.
        gt (np.ndarray): (N,) ground-truth part ids.
        part_ids (Sequence[int]): The parts of the shape's category.
        scoring (str): ``'standard'`` (PointNet / PointNet++ / DGCNN): a
            part absent from both the prediction and the ground truth
            scores 1, any other part I / U. ``'authors_nonstandard'``
            (the PointMCD authors' evaluation, kept to compare with their
            numbers): a part absent from the ground truth scores 1 even
            when it is predicted.

    Returns:
        np.ndarray: (len(part_ids), ) float64 IoUs.
    """
    if scoring not in SCORINGS:
        raise ValueError(f'scoring must be one of {SCORINGS}, got '
                         f'{scoring!r}')
    ious = np.empty(len(part_ids), dtype=np.float64)
    for i, part in enumerate(part_ids):
        in_pred, in_gt = pred == part, gt == part
        union = np.logical_or(in_pred, in_gt).sum()
        if not in_gt.any() and (union == 0 or scoring != 'standard'):
            ious[i] = 1.0
        else:
            ious[i] = np.logical_and(in_pred, in_gt).sum() / union
    return ious


@METRICS.register_module()
class ShapeNetPartMetric(BaseMetric):
    """Instance and class mIoU of part segmentation (ShapeNetPart).

    Per shape, the IoU of every part of its category (a part absent from
    both prediction and ground truth counts 1) is averaged into the
    shape's mIoU; ``instance_miou`` is the mean over shapes,
    ``class_miou`` the mean over categories of their shapes' mean. Both in
    percent. The per-category table (shapes and mIoU) is logged.

    ``scoring='authors_nonstandard'`` reproduces the PointMCD authors'
    own evaluation instead, so that their numbers can be compared: the
    prediction is the argmax over all parts (not only the category's,
    read from ``pts_seg_logits``) and a part absent from the ground truth
    scores 1 even when it is predicted. It is not the benchmark's rule:
    its metrics are named ``instance_miou_authors_nonstandard`` and
    ``class_miou_authors_nonstandard``.

    Reads, from every predicted data sample (mmdet3d field names),
    ``pred_pts_seg.pts_semantic_mask`` (N,) (or
    ``pts_seg_logits.pts_seg_logits`` (P, N) for the authors' scoring),
    ``gt_pts_seg.pts_semantic_mask`` (N,) and the metainfo ``category``
    and ``part_ids``. Each shape is reduced to its part IoUs in
    ``process``, so results gathered across processes stay small.

    Args:
        scoring (str): ``'standard'`` or ``'authors_nonstandard'``.
        per_category (bool): Also return ``miou/<category>`` for every
            category present.
        collect_device / prefix: As in mmengine's ``BaseMetric``.
    """
    default_prefix: Optional[str] = 'partseg'

    def __init__(self,
                 scoring: str = 'standard',
                 per_category: bool = False,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if scoring not in SCORINGS:
            raise ValueError(f'ShapeNetPartMetric: scoring must be one of '
                             f'{SCORINGS}, got {scoring!r}')
        self.scoring = scoring
        self.per_category = per_category

    @staticmethod
    def _get(sample: Dict, *keys: str):
        value = sample
        for key in keys:
            if not isinstance(value, dict) or key not in value:
                raise KeyError(
                    f'ShapeNetPartMetric needs {".".join(keys)} in every '
                    'data sample (a PointPartSegmentor prediction of '
                    'samples packed by PackPartSegInputs); got '
                    f'{sorted(sample)}')
            value = value[key]
        return value

    def _prediction(self, sample: Dict) -> np.ndarray:
        if self.scoring == 'standard':
            pred = self._get(sample, 'pred_pts_seg', 'pts_semantic_mask')
        else:  # the argmax over all parts
            pred = self._get(sample, 'pts_seg_logits',
                             'pts_seg_logits').argmax(dim=0)
        return pred.cpu().numpy()

    def process(self, data_batch: Dict, data_samples: Sequence[Dict]) -> None:
        for sample in data_samples:
            gt = self._get(sample, 'gt_pts_seg',
                           'pts_semantic_mask').cpu().numpy()
            pred = self._prediction(sample)
            if pred.shape != gt.shape:
                raise ValueError(
                    f'ShapeNetPartMetric: prediction {pred.shape} and ground '
                    f'truth {gt.shape} of sample '
                    f'{sample.get("sample_idx")} differ')
            category = int(self._get(sample, 'category'))
            part_ids = self._get(sample, 'part_ids')
            self.results.append(
                (category, shape_part_ious(pred, gt, part_ids,
                                           self.scoring)))

    def compute_metrics(self, results: List[Tuple[int, np.ndarray]]
                        ) -> Dict[str, float]:
        categories = np.array([c for c, _ in results], dtype=np.int64)
        shape_mious = np.array([ious.mean() for _, ious in results])
        names = list((self.dataset_meta or {}).get('classes') or [])
        present = sorted(set(categories.tolist()))
        if names and present[-1] >= len(names):
            raise ValueError(
                f'ShapeNetPartMetric: category {present[-1]} of a sample is '
                f'not among the dataset classes {names}')
        name = (lambda c: names[c]) if names else str
        per_cat = {c: shape_mious[categories == c].mean() for c in present}
        suffix = '' if self.scoring == 'standard' else '_' + self.scoring
        metrics = {
            f'instance_miou{suffix}': 100.0 * shape_mious.mean(),
            f'class_miou{suffix}': 100.0 * np.mean(list(per_cat.values())),
        }
        self._log_table(per_cat, categories, name, metrics)
        if self.per_category:
            for c, value in per_cat.items():
                metrics[f'miou{suffix}/{name(c)}'] = 100.0 * value
        return metrics

    def _log_table(self, per_cat: Dict[int, float], categories: np.ndarray,
                   name, metrics: Dict[str, float]) -> None:
        # terminaltables comes with mmdet3d (its seg_eval prints with it).
        from terminaltables import AsciiTable
        rows = [['category', 'shapes', 'mIoU']]
        for c, value in per_cat.items():
            rows.append([name(c), str(int((categories == c).sum())),
                         f'{100.0 * value:.2f}'])
        for key, value in metrics.items():
            rows.append([key, str(len(categories)), f'{value:.2f}'])
        table = AsciiTable(rows)
        title = 'part segmentation' + (
            '' if self.scoring == 'standard' else
            " (the PointMCD authors' non-standard scoring: argmax over all "
            'parts, a part absent from the ground truth scores 1)')
        MMLogger.get_current_instance().info(
            f'{title}:\n{table.table}')
