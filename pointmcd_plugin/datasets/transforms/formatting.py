"""Packing: the student's own packer, plus the distillation inputs
(views, visibility, teacher knowledge) attached to whatever data sample
it produced (this plugin's ``DataSample``, mmdet3d's ``Det3DDataSample``).

Classification packs mmpretrain ``DataSample`` objects
(:class:`PackPointInputs`); part segmentation packs mmdet3d
``Det3DDataSample`` objects with mmdet3d's per-point fields
(:class:`PackPartSegInputs`); the label-free image teacher packs its views
alone (:class:`PackViewInputs`)."""
from typing import Dict, Optional, Sequence, Union

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmdet3d.registry import TRANSFORMS
from mmpretrain.structures import DataSample

from .loading import sample_name

# results key -> (data-sample field, dtype) of what distillation adds.
DISTILL_FIELDS = {
    'visibility': ('visibility', np.bool_),
    'teacher_descriptors': ('teacher_descriptors', np.float32),
    'view_part_labels': ('gt_view_part_label', np.int64),
}
# The inputs key of multi-view images (mmdet3d's name).
VIEWS_KEY = 'img'


def pack_views(views: Union[Sequence[np.ndarray], np.ndarray]
               ) -> torch.Tensor:
    """(K, C, H, W) uint8 tensor of K (H, W, C) uint8 views."""
    views = np.stack(list(views))
    if views.dtype != np.uint8 or views.ndim != 4:
        raise TypeError('expected views as K (H, W, C) uint8 arrays, got '
                        f'{views.dtype} {views.shape}')
    return torch.from_numpy(np.ascontiguousarray(views.transpose(0, 3, 1,
                                                                 2)))


def attach_distill_inputs(packed: Dict, results: Dict) -> Dict:
    """Add what ``results`` has of the distillation inputs to a packer's
    output ``dict(inputs, data_samples)``: views to ``inputs['img']``
    (K, C, H, W) uint8 unless the packer put them there, and
    ``DISTILL_FIELDS`` to the data sample. Visibility whose rows do not
    match the packed points is an error (it was computed before a
    transform that added or removed points)."""
    inputs, sample = packed['inputs'], packed['data_samples']
    if VIEWS_KEY in results and VIEWS_KEY not in inputs:
        inputs[VIEWS_KEY] = pack_views(results[VIEWS_KEY])
    for key, (field, dtype) in DISTILL_FIELDS.items():
        if key not in results:
            continue
        value = np.asarray(results[key], dtype=dtype)
        if key == 'visibility' and 'points' in inputs and \
                len(value) != len(inputs['points']):
            raise ValueError(
                f'visibility has {len(value)} rows but the sample has '
                f'{len(inputs["points"])} points; compute it after the last '
                'transform that adds or removes points')
        sample.set_field(torch.from_numpy(np.ascontiguousarray(value)),
                         field, dtype=torch.Tensor)
    return packed


@TRANSFORMS.register_module()
class PackPointInputs(BaseTransform):
    """Pack a sample into ``inputs`` and an mmpretrain ``DataSample``.

    ``inputs``: ``points`` (N, C) float32 and, when present, ``img``: the
    K views as (K, C, H, W) uint8 (C = 1 for rendered grey views, 3 for
    colour view files). The data sample carries what the sample has of
    ``gt_label`` (class), ``gt_pts_part_label`` ((N,) int64), ``category``
    (int) and the distillation inputs (:func:`attach_distill_inputs`:
    ``visibility`` (N, K) bool, ``teacher_descriptors`` (K, D) float32,
    ``gt_view_part_label`` (K, H, W) int64), and ``meta_keys`` as metainfo.

    Args:
        meta_keys (Sequence[str]): Keys of ``results`` copied to the data
            sample's metainfo when present.
        point_channels (int, optional): Pack only the first channels of
            the points (e.g. 3: xyz for a student, when normals were
            loaded only to shade rendered views).
    """

    def __init__(self, meta_keys: Sequence[str] = ('sample_idx', 'shape_id'),
                 point_channels: Optional[int] = None) -> None:
        self.meta_keys = tuple(meta_keys)
        self.point_channels = point_channels

    def transform(self, results: Dict) -> Dict:
        points = results['points']
        if not isinstance(points, np.ndarray) or points.ndim != 2:
            raise TypeError('PackPointInputs expects results["points"] as an '
                            f'(N, C) numpy array, got {type(points)}')
        if self.point_channels is not None:
            if points.shape[1] < self.point_channels:
                raise ValueError(
                    f'PackPointInputs(point_channels={self.point_channels}):'
                    f' the points have {points.shape[1]} channels')
            points = points[:, :self.point_channels]
        inputs = dict(points=torch.from_numpy(
            np.ascontiguousarray(points, dtype=np.float32)))
        sample = DataSample()
        if 'gt_label' in results:
            sample.set_gt_label(results['gt_label'])
        if 'pts_part_label' in results:
            sample.set_field(
                torch.from_numpy(np.asarray(results['pts_part_label'],
                                            dtype=np.int64)),
                'gt_pts_part_label', dtype=torch.Tensor)
        if 'category' in results:
            sample.set_field(int(results['category']), 'category')
        sample.set_metainfo(
            {k: results[k] for k in self.meta_keys if k in results})
        return attach_distill_inputs(
            dict(inputs=inputs, data_samples=sample), results)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(meta_keys={self.meta_keys}, '
                f'point_channels={self.point_channels})')


@TRANSFORMS.register_module()
class PackDistillInputs(BaseTransform):
    """Run any packer (e.g. mmdet3d's ``Pack3DDetInputs``) and attach the
    distillation inputs to the data sample it produced
    (:func:`attach_distill_inputs`), so a student packed the mmdet3d way
    carries visibility, teacher descriptors and views too. Views land in
    ``inputs['img']``, where mmdet3d puts images.

    Args:
        packer (dict): Config of the student's packer.
    """

    def __init__(self, packer: Dict) -> None:
        self.packer = TRANSFORMS.build(packer)

    def transform(self, results: Dict) -> Dict:
        packed = self.packer(dict(results))
        if packed is None:
            raise ValueError(f'{self.packer!r} dropped the sample')
        return attach_distill_inputs(packed, results)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(packer={self.packer!r})'


@TRANSFORMS.register_module()
class PackPartSegInputs(BaseTransform):
    """Pack a part-segmentation sample into ``inputs`` and an mmdet3d
    ``Det3DDataSample``, with mmdet3d's field names.

    ``inputs``: ``points`` (N, C) float32 (stacked to (B, N, C) by
    ``PointDataPreprocessor``) and, when present, ``img`` (K, C, H, W)
    uint8. The data sample carries the per-point part labels, when the
    sample has them (``pts_part_label`` of ``LoadShapePoints``), as
    ``gt_pts_seg.pts_semantic_mask`` ((N,) int64, a ``PointData``, where
    mmdet3d's ``Pack3DDetInputs`` puts ``pts_semantic_mask``), the
    ``meta_keys`` as metainfo, among them ``category`` (int, index into
    the dataset's classes) and ``part_ids`` (the category's part ids),
    which a :class:`PointPartSegmentor` is conditioned on and restricts
    its prediction to, and the distillation inputs
    (:func:`attach_distill_inputs`: ``visibility`` (N, K) bool,
    ``teacher_descriptors`` (K, D) float32, ``gt_view_part_label``
    (K, H, W) int64).

    Args:
        meta_keys (Sequence[str]): Keys of ``results`` copied to the data
            sample's metainfo; ``category`` and ``part_ids`` are required
            (``ShapeNetPartDataset`` and ``PointMCDShapeNetPartDataset``
            list both).
        point_channels (int, optional): Pack only the first channels of
            the points (3: xyz, when normals were loaded).
    """
    REQUIRED = ('category', 'part_ids')

    def __init__(self,
                 meta_keys: Sequence[str] = ('sample_idx', 'shape_id',
                                             'category', 'part_ids'),
                 point_channels: Optional[int] = None) -> None:
        missing = [k for k in self.REQUIRED if k not in meta_keys]
        if missing:
            raise ValueError(f'PackPartSegInputs: meta_keys must include '
                             f'{missing} (the segmentor reads them)')
        self.meta_keys = tuple(meta_keys)
        self.point_channels = point_channels

    def transform(self, results: Dict) -> Dict:
        # Imported here: mmdet3d.structures pulls in torchvision and
        # triton, which importing the plugin avoids.
        from mmdet3d.structures import Det3DDataSample, PointData
        points = results['points']
        if not isinstance(points, np.ndarray) or points.ndim != 2:
            raise TypeError('PackPartSegInputs expects results["points"] as '
                            f'an (N, C) numpy array, got {type(points)}')
        if self.point_channels is not None:
            if points.shape[1] < self.point_channels:
                raise ValueError(
                    f'PackPartSegInputs(point_channels={self.point_channels}'
                    f'): the points have {points.shape[1]} channels')
            points = points[:, :self.point_channels]
        missing = [k for k in self.REQUIRED if k not in results]
        if missing:
            raise KeyError(
                f'PackPartSegInputs: {sample_name(results)} has no '
                f'{missing}; use a part-segmentation dataset '
                '(ShapeNetPartDataset, PointMCDShapeNetPartDataset), which '
                "lists each shape's category and part ids")
        inputs = dict(points=torch.from_numpy(
            np.ascontiguousarray(points, dtype=np.float32)))
        sample = Det3DDataSample()
        if 'pts_part_label' in results:
            labels = np.asarray(results['pts_part_label'], dtype=np.int64)
            if len(labels) != len(points):
                raise ValueError(
                    f'PackPartSegInputs: {sample_name(results)} has '
                    f'{len(labels)} part labels for {len(points)} points; '
                    'a transform moved the points without their labels')
            sample.gt_pts_seg = PointData(
                pts_semantic_mask=torch.from_numpy(labels))
        meta = {k: results[k] for k in self.meta_keys if k in results}
        meta['category'] = int(meta['category'])
        meta['part_ids'] = tuple(int(p) for p in meta['part_ids'])
        sample.set_metainfo(meta)
        return attach_distill_inputs(
            dict(inputs=inputs, data_samples=sample), results)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(meta_keys={self.meta_keys}, '
                f'point_channels={self.point_channels})')


@TRANSFORMS.register_module()
class PackViewInputs(BaseTransform):
    """Pack the views alone, for a label-free image teacher
    (:class:`MultiViewAutoEncoderTeacher`): ``inputs`` holds only ``img``,
    the K views as (K, C, H, W) uint8, and the mmpretrain ``DataSample``
    only the ``meta_keys`` as metainfo.

    Nothing else of the sample is read: not its label (``gt_label``), its
    category, its part labels or its points, whatever the dataset lists,
    so a model trained from this packer cannot learn from a label.

    Args:
        meta_keys (Sequence[str]): Keys of ``results`` copied to the data
            sample's metainfo when present (``sample_idx`` and
            ``shape_id``: what the knowledge export writes beside each
            row).
    """
    # Keys of a sample that carry supervision: never meta_keys here.
    LABEL_KEYS = ('gt_label', 'category', 'pts_part_label',
                  'view_part_labels')

    def __init__(self,
                 meta_keys: Sequence[str] = ('sample_idx', 'shape_id')
                 ) -> None:
        labels = [k for k in meta_keys if k in self.LABEL_KEYS]
        if labels:
            raise ValueError(f'PackViewInputs packs no label: meta_keys '
                             f'{labels} carry supervision; leave them out')
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: Dict) -> Dict:
        if VIEWS_KEY not in results:
            raise KeyError(
                f'PackViewInputs: {sample_name(results)} has no views '
                f"(results['{VIEWS_KEY}']); render them (RenderPointViews) "
                'or load them (LoadMultiViewImages) before packing')
        sample = DataSample()
        sample.set_metainfo(
            {k: results[k] for k in self.meta_keys if k in results})
        return dict(inputs={VIEWS_KEY: pack_views(results[VIEWS_KEY])},
                    data_samples=sample)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(meta_keys={self.meta_keys})'
