from typing import Dict, Optional, Sequence

import mmcv
import numpy as np
import torch
from mmdet3d.registry import VISUALIZERS
from mmengine.visualization import Visualizer

from ..datasets.transforms import RenderPointViews

# Three views around the shape, from above: enough to tell a shape.
DRAW_VIEWS = dict(azimuth=(30.0, 150.0, 270.0), elevation=(30.0, ) * 3)


@VISUALIZERS.register_module()
class PointClsVisualizer(Visualizer):
    """Draws a classified point cloud: a few rendered views of the shape
    side by side, captioned with its ground truth and prediction.

    The views come from :class:`RenderPointViews` (Lambert shading when the
    points carry normals, depth shading otherwise), framed in the unit
    sphere. Class names come from ``dataset_meta['classes']``, which the
    runner's loops set.

    Args:
        views (dict | str): Cameras to draw from (a view preset or
            ``dict(azimuth=[...], elevation=[...])``).
        image_size (int): Side of each view in pixels.
        name, vis_backends, save_dir: As in mmengine's ``Visualizer``.
    """

    def __init__(self,
                 name: str = 'visualizer',
                 views=DRAW_VIEWS,
                 image_size: int = 192,
                 vis_backends: Optional[Sequence[Dict]] = None,
                 save_dir: Optional[str] = None,
                 **kwargs) -> None:
        super().__init__(name=name, vis_backends=vis_backends,
                         save_dir=save_dir, **kwargs)
        self.render = RenderPointViews(views=views, image_size=image_size)

    def draw_shape(self, points: np.ndarray) -> np.ndarray:
        """(H, K * H, 3) uint8 RGB image of ``points`` (N, C >= 3) seen
        from the K cameras."""
        points = np.asarray(points, dtype=np.float32)
        self.render.shading = 'normal' if points.shape[1] >= 6 else 'depth'
        views = self.render(dict(points=points))['img']  # K x (H, W, 1)
        return np.repeat(np.concatenate(views, axis=1), 3, axis=2)

    def _name(self, label: Optional[int]) -> str:
        classes = (self.dataset_meta or {}).get('classes')
        if label is None:
            return '?'
        return classes[label] if classes and label < len(classes) \
            else str(label)

    def add_datasample(self,
                       name: str,
                       points,
                       data_sample=None,
                       draw_gt: bool = True,
                       draw_pred: bool = True,
                       show: bool = False,
                       wait_time: float = 0,
                       out_file: Optional[str] = None,
                       step: int = 0) -> np.ndarray:
        """Draw ``points`` (N, C) with the labels of ``data_sample``
        (``gt_label``, ``pred_label``, ``pred_score``); show it, write it to
        ``out_file``, or else add it to the visualisation backends.

        Returns:
            np.ndarray: The drawn (H, W, 3) uint8 RGB image.
        """
        if isinstance(points, torch.Tensor):
            points = points.detach().cpu().numpy()
        image = self.draw_shape(points)
        lines, colors = [], []
        gt = pred = None
        if data_sample is not None and 'gt_label' in data_sample:
            gt = int(data_sample.gt_label.reshape(-1)[0])
        if data_sample is not None and 'pred_label' in data_sample:
            pred = int(data_sample.pred_label.reshape(-1)[0])
        if draw_gt and gt is not None:
            lines.append(f'gt: {self._name(gt)}')
            colors.append('black')
        if draw_pred and pred is not None:
            score = ''
            if 'pred_score' in data_sample:
                score = f' ({float(data_sample.pred_score[pred]):.2f})'
            lines.append(f'pred: {self._name(pred)}{score}')
            colors.append('green' if gt is None or pred == gt else 'red')
        self.set_image(image)
        for i, (text, color) in enumerate(zip(lines, colors)):
            self.draw_texts(text, np.array([4, 4 + 16 * i]), colors=color,
                            font_sizes=11)
        drawn = self.get_image()
        if show:
            self.show(drawn, win_name=name, wait_time=wait_time)
        if out_file is not None:
            mmcv.imwrite(drawn[..., ::-1], out_file)
        elif not show:
            self.add_image(name, drawn, step)
        return drawn
