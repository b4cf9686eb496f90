"""Pixel mIoU of labelled views: the part-segmentation teacher's score."""
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmdet3d.registry import METRICS
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

from .shapenet_part_metric import shape_part_ious


def view_pixel_ious(pred: np.ndarray, gt: np.ndarray,
                    part_ids: Sequence[int], background: int) -> np.ndarray:
    """IoU of every part of a view's category and of the background.

    A class absent from both the prediction and the ground truth of the
    view scores 1, any other I / U (ShapeNetPart's standard rule, here
    over the pixels of one view).

    Args:
        pred (np.ndarray): (H, W) predicted labels.
        gt (np.ndarray): (H, W) ground-truth labels.
        part_ids (Sequence[int]): The parts of the shape's category.
        background (int): The background label.

    Returns:
        np.ndarray: (len(part_ids) + 1, ) float64 IoUs, background last.
    """
    return shape_part_ious(np.asarray(pred).reshape(-1),
                           np.asarray(gt).reshape(-1),
                           tuple(part_ids) + (background, ))


@METRICS.register_module()
class PixelMIoUMetric(BaseMetric):
    """Pixel mIoU of per-pixel part segmentation of labelled views.

    Per view, the IoU over its pixels of every part of the shape's
    category and of the background (a class absent from both prediction
    and ground truth of the view counts 1, see :func:`view_pixel_ious`)
    is averaged into the view's mIoU; ``pixel_miou`` is the mean over all
    views of all shapes, ``class_pixel_miou`` the mean over categories of
    their views' mean. Both in percent. The per-category table (shapes,
    views and mIoU) is logged. The PointMCD authors score their teacher by
    the first (per view, their category's parts and background).

    Reads, from every predicted data sample, ``pred_view_part_label`` and
    ``gt_view_part_label`` (K, H, W) and the metainfo ``category`` and
    ``part_ids``. Every shape is reduced to its K view mIoUs in
    ``process``, so results gathered across processes stay small.

    Args:
        background (int, optional): The background label. Defaults to the
            label after the last part id of the dataset's ``part_ids``
            metainfo (50 in ShapeNetPart), the label ``RenderPointViews``
            and the authors' labelled views give empty pixels.
        per_category (bool): Also return ``pixel_miou/<category>`` for
            every category present.
        collect_device / prefix: As in mmengine's ``BaseMetric``.
    """
    default_prefix: Optional[str] = 'view_partseg'

    def __init__(self,
                 background: Optional[int] = None,
                 per_category: bool = False,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.background = background
        self.per_category = per_category

    def _background(self) -> int:
        if self.background is not None:
            return int(self.background)
        part_ids = (self.dataset_meta or {}).get('part_ids')
        if not part_ids:
            raise ValueError(
                'PixelMIoUMetric: give background=<label of empty pixels> '
                "or evaluate a dataset whose metainfo has part_ids "
                '(category -> part ids; the background is the label after '
                'the last part id)')
        return max(max(ids) for ids in part_ids.values()) + 1

    @staticmethod
    def _get(sample: Dict, key: str):
        if key not in sample:
            raise KeyError(
                f'PixelMIoUMetric needs {key} in every data sample (a '
                'MultiViewPartSegTeacher prediction of samples packed with '
                'their labelled views and metainfo category and part_ids); '
                f'got {sorted(sample)}')
        return sample[key]

    def process(self, data_batch: Dict, data_samples: Sequence[Dict]) -> None:
        background = self._background()
        for sample in data_samples:
            pred = np.asarray(self._get(sample, 'pred_view_part_label').cpu())
            gt = np.asarray(self._get(sample, 'gt_view_part_label').cpu())
            if pred.shape != gt.shape or pred.ndim != 3:
                raise ValueError(
                    f'PixelMIoUMetric: prediction {pred.shape} and ground '
                    f'truth {gt.shape} of sample {sample.get("sample_idx")} '
                    'must be the same (K, H, W)')
            part_ids = tuple(self._get(sample, 'part_ids'))
            view_mious = np.array([
                view_pixel_ious(p, g, part_ids, background).mean()
                for p, g in zip(pred, gt)])
            self.results.append(
                (int(self._get(sample, 'category')), view_mious))

    def compute_metrics(self, results: List[Tuple[int, np.ndarray]]
                        ) -> Dict[str, float]:
        names = list((self.dataset_meta or {}).get('classes') or [])
        per_view = {}
        shapes = {}
        for category, mious in results:
            per_view.setdefault(category, []).append(mious)
            shapes[category] = shapes.get(category, 0) + 1
        present = sorted(per_view)
        if names and present[-1] >= len(names):
            raise ValueError(
                f'PixelMIoUMetric: category {present[-1]} of a sample is '
                f'not among the dataset classes {names}')
        name = (lambda c: names[c]) if names else str
        per_view = {c: np.concatenate(v) for c, v in per_view.items()}
        per_cat = {c: per_view[c].mean() for c in present}
        metrics = {
            'pixel_miou': 100.0 * np.concatenate(
                [m for _, m in results]).mean(),
            'class_pixel_miou': 100.0 * np.mean(list(per_cat.values())),
        }
        self._log_table(per_cat, shapes, per_view, name, metrics,
                        len(results))
        if self.per_category:
            for c, value in per_cat.items():
                metrics[f'pixel_miou/{name(c)}'] = 100.0 * value
        return metrics

    @staticmethod
    def _log_table(per_cat: Dict[int, float], shapes: Dict[int, int],
                   per_view: Dict[int, np.ndarray], name,
                   metrics: Dict[str, float], num_shapes: int) -> None:
        # terminaltables comes with mmdet3d (its seg_eval prints with it).
        from terminaltables import AsciiTable
        rows = [['category', 'shapes', 'views', 'pixel mIoU']]
        for c, value in per_cat.items():
            rows.append([name(c), str(shapes[c]), str(len(per_view[c])),
                         f'{100.0 * value:.2f}'])
        num_views = sum(len(v) for v in per_view.values())
        for key, value in metrics.items():
            rows.append([key, str(num_shapes), str(num_views),
                         f'{value:.2f}'])
        MMLogger.get_current_instance().info(
            'view part segmentation (pixels of each view, its category\'s '
            f'parts and the background):\n{AsciiTable(rows).table}')
