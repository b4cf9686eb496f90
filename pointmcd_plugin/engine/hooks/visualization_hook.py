import os.path as osp
from typing import Optional, Sequence

from mmdet3d.registry import HOOKS
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.utils import mkdir_or_exist
from mmengine.visualization import Visualizer


@HOOKS.register_module()
class PointClsVisualizationHook(Hook):
    """Draws classified shapes during validation and testing.

    Stands where mmdet3d's ``Det3DVisualizationHook`` stands
    (``default_hooks.visualization``) and takes the same switches, so
    upstream mmdet3d ``tools/test.py --show-dir DIR --task lidar_det`` (its
    ``--task`` is required there and ignored here) and this plugin's
    ``tools/test.py --show-dir DIR`` both turn it on. Testing writes one
    image per drawn shape to ``<work_dir>/<timestamp>/<test_out_dir>``,
    named ``<sample_idx>_<gt>_as_<pred>.png``; with ``only_errors`` (the
    default) only the misclassified shapes, the ones worth looking at.
    Validation adds every ``interval``-th shape to the visualiser's
    backends. Needs a ``PointClsVisualizer`` as the runner's visualizer.

    Args:
        draw (bool): Draw at all. Off by default (drawing costs time).
        interval (int): Draw every ``interval``-th validation batch.
        only_errors (bool): At test time draw misclassified shapes only.
        show (bool): Show each image in a window.
        wait_time (float): Seconds to show each image.
        test_out_dir (str, optional): Folder (under the run's log folder)
            for test images.
        vis_task, score_thr: Accepted for upstream ``tools/test.py``,
            unused by classification.
    """
    priority = 'NORMAL'

    def __init__(self,
                 draw: bool = False,
                 interval: int = 50,
                 only_errors: bool = True,
                 show: bool = False,
                 wait_time: float = 0.,
                 test_out_dir: Optional[str] = None,
                 vis_task: Optional[str] = None,
                 score_thr: Optional[float] = None,
                 draw_gt: bool = True,
                 draw_pred: bool = True) -> None:
        self.draw = draw
        self.interval = interval
        self.only_errors = only_errors
        self.show = show
        self.wait_time = wait_time
        self.test_out_dir = test_out_dir
        self._out_dir: Optional[str] = None  # under the run's log folder
        self.draw_gt = draw_gt
        self.draw_pred = draw_pred
        self._test_index = 0

    @property
    def _visualizer(self):
        visualizer = Visualizer.get_current_instance()
        if not hasattr(visualizer, 'add_datasample'):
            raise TypeError(
                f'{type(self).__name__} needs a visualizer with '
                'add_datasample (visualizer = dict(type=\'PointClsVisualizer'
                f'\')), got {type(visualizer).__name__}')
        return visualizer

    @staticmethod
    def _points(data_batch: dict, i: int):
        return data_batch['inputs']['points'][i]

    def after_val_iter(self, runner, batch_idx: int, data_batch: dict,
                       outputs: Sequence) -> None:
        if not self.draw or not self.every_n_inner_iters(batch_idx,
                                                         self.interval):
            return
        sample = outputs[0]
        self._visualizer.add_datasample(
            f'val_{sample.metainfo.get("sample_idx", batch_idx)}',
            self._points(data_batch, 0), sample, draw_gt=self.draw_gt,
            draw_pred=self.draw_pred, show=self.show,
            wait_time=self.wait_time, step=runner.iter)

    def before_test(self, runner) -> None:
        self._out_dir = None
        if self.draw and self.test_out_dir is not None:
            self._out_dir = osp.join(runner.work_dir, runner.timestamp,
                                     self.test_out_dir)
            mkdir_or_exist(self._out_dir)

    def after_test_iter(self, runner, batch_idx: int, data_batch: dict,
                        outputs: Sequence) -> None:
        if not self.draw:
            return
        classes = (runner.test_dataloader.dataset.metainfo or {}).get(
            'classes')
        for i, sample in enumerate(outputs):
            # Without a sample_idx, number by rank and position.
            index = sample.metainfo.get(
                'sample_idx', f'{get_rank()}-{self._test_index}')
            self._test_index += 1
            gt = int(sample.gt_label.reshape(-1)[0])
            pred = int(sample.pred_label.reshape(-1)[0])
            if self.only_errors and gt == pred:
                continue
            name = f'{index}_{classes[gt] if classes else gt}_as_' \
                   f'{classes[pred] if classes else pred}'
            out_file = None
            if self._out_dir is not None:
                out_file = osp.join(self._out_dir, name + '.png')
            self._visualizer.add_datasample(
                name, self._points(data_batch, i), sample,
                draw_gt=self.draw_gt, draw_pred=self.draw_pred,
                show=self.show, wait_time=self.wait_time, out_file=out_file,
                step=self._test_index)
