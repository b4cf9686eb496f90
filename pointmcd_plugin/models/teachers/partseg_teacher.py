"""The PointMCD part-segmentation teacher: an image backbone and a U-Net
part decoder on every view, trained as a per-pixel part segmenter; its
view descriptors are the pooled last stage of the backbone."""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
from mmdet3d.registry import MODELS
from torch import Tensor

from .base_teacher import MultiViewBackboneTeacher

# The labelled and the predicted views of a data sample (PackPartSegInputs
# packs the labels, with the metainfo category and part_ids).
LABEL_FIELD = 'gt_view_part_label'
PRED_FIELD = 'pred_view_part_label'

# mmdet3d's Det3DDataSample or mmpretrain's DataSample.
SampleList = List


def sample_categories(data_samples: SampleList) -> List[int]:
    """The metainfo ``category`` of every data sample (B ints)."""
    if not data_samples:
        raise ValueError(
            'MultiViewPartSegTeacher is conditioned on the shape categories: '
            'pass the data samples (metainfo category and part_ids, as '
            'PackPartSegInputs packs them)')
    for i, sample in enumerate(data_samples):
        if 'category' not in sample.metainfo:
            raise KeyError(
                "MultiViewPartSegTeacher needs metainfo 'category' (the "
                "shape's category index) in every data sample; pack the "
                f'samples with PackPartSegInputs; sample {i} has metainfo '
                f'keys {sorted(sample.metainfo)}')
    return [int(s.metainfo['category']) for s in data_samples]


@MODELS.register_module()
class MultiViewPartSegTeacher(MultiViewBackboneTeacher):
    """Multi-view per-pixel part segmenter around an mmpretrain backbone:
    the PointMCD segmentation teacher.

    Every view runs through the backbone, whose ``out_indices`` give the
    multi-scale feature maps (fine to coarse) a :class:`UNetPartSegHead`
    decodes, conditioned on the shape's category, into per-pixel logits
    over the ``num_parts`` parts and the background. The head owns the
    loss (against the labelled views ``gt_view_part_label`` (K, H, W) of
    the data samples) and the prediction (restricted to the category's
    parts and the background).

    The distilled view descriptor is the global average pool of the last
    feature map (512-d for VGG11-bn): :meth:`extract_view_descriptors`
    returns (B, K, C) from the views alone, like
    :class:`MultiViewImageTeacher`, so a distiller or the knowledge export
    takes either teacher.

    The paper's teacher (the authors' ``Teacher_Seg``, without its light
    spatial / channel attention)::

        backbone=dict(type='mmpretrain.VGG', depth=11,
                      norm_cfg=dict(type='BN'), out_indices=(0, 1, 2, 4),
                      with_last_pool=False)
        head=dict(type='UNetPartSegHead', in_channels=(64, 128, 256, 512),
                  num_parts=50, num_categories=16)

    ``init_weights`` raises when a ``Pretrained`` checkpoint does not fit
    (mmengine only warns), except for checkpoint keys matched by
    ``pretrained_ignore_keys``. As a distillation teacher build it with
    ``frozen=True`` (or call :meth:`freeze`).

    Args:
        head (dict): :class:`UNetPartSegHead` config; ``in_channels``
            defaults to the backbone's output widths (probed at build
            time) and must equal them when given.
        backbone (dict): mmpretrain image backbone giving a tuple of
            (N, C_l, H_l, W_l) maps, fine to coarse.
        pretrained_ignore_keys (Sequence[str]): Regular expressions of
            ``Pretrained`` checkpoint keys the model may drop (e.g.
            ``'^classifier\\.'``: the ImageNet classifier of mmpretrain's
            VGG checkpoints).
        frozen (bool): Freeze at build time.
        data_preprocessor (dict, optional): Defaults to
            ``MultiViewImagePreprocessor``.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 head: Dict,
                 backbone: Dict = dict(type='mmpretrain.VGG', depth=11,
                                       norm_cfg=dict(type='BN'),
                                       out_indices=(0, 1, 2, 4),
                                       with_last_pool=False),
                 pretrained_ignore_keys: Sequence[str] = (),
                 frozen: bool = False,
                 data_preprocessor: Optional[Dict] = None,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(backbone=backbone,
                         pretrained_ignore_keys=pretrained_ignore_keys,
                         data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        head = dict(head)
        given = head.setdefault('in_channels', self.feature_channels)
        if tuple(given) != self.feature_channels:
            raise ValueError(
                f'head.in_channels={tuple(given)} but the backbone gives '
                f'feature maps of {self.feature_channels} channels (fine to '
                'coarse); set head.in_channels to them or leave it out.')
        self.head = MODELS.build(head)
        self.descriptor_channels = self.feature_channels[-1]
        if frozen:
            self.freeze()

    def extract_feat(self, img: Tensor) -> Tuple[Tensor, ...]:
        """The backbone's feature maps of every view.

        Args:
            img (Tensor): float (B, K, C, H, W) normalised views.

        Returns:
            tuple[Tensor]: (B * K, C_l, H_l, W_l) maps, fine to coarse.
        """
        return self.backbone_maps(img)

    def flat_view_descriptors(self, maps: Tuple[Tensor, ...]) -> Tensor:
        """(B * K, C_last) descriptors: the global average pool of the last
        feature map (C_last = ``descriptor_channels``)."""
        return maps[-1].mean(dim=(2, 3))

    @staticmethod
    def _view_categories(data_samples: SampleList, views: int,
                         device: torch.device) -> Tensor:
        """(B * K,) category of every view."""
        categories = torch.as_tensor(sample_categories(data_samples),
                                     device=device)
        return categories.repeat_interleave(views)

    @staticmethod
    def _view_labels(data_samples: SampleList, img: Tensor) -> Tensor:
        """(B * K, H, W) int64 labelled views of the samples."""
        batch, views, _, height, width = img.shape
        labels = [getattr(s, LABEL_FIELD, None) for s in data_samples or ()]
        if not labels or any(label is None for label in labels):
            raise KeyError(
                f'MultiViewPartSegTeacher.loss needs {LABEL_FIELD} (K, H, W)'
                ' in every data sample: render the labelled views with '
                'RenderPointViews(part_labels=True) or read them with '
                'LoadViewPartLabels, and pack them (PackPartSegInputs)')
        labels = torch.stack([torch.as_tensor(label) for label in labels])
        if labels.shape != (batch, views, height, width):
            raise ValueError(
                f'MultiViewPartSegTeacher: labelled views of shape '
                f'{tuple(labels.shape[1:])} per sample do not match its '
                f'{views} views of {height} x {width}; render both with the '
                'same transform (same views and image_size)')
        return labels.to(img.device).long().flatten(0, 1)

    def forward(self,
                inputs: Dict[str, Tensor],
                data_samples: Optional[SampleList] = None,
                mode: str = 'tensor') -> Union[Dict, SampleList, Tensor]:
        """``loss`` -> dict of losses; ``predict`` -> data samples with
        ``pred_view_part_label`` (K, H, W); ``tensor`` -> logits
        (B, K, num_parts + 1, H, W). ``inputs['img']``: float
        (B, K, C, H, W); every mode needs the data samples (their
        ``category`` conditions the decoder)."""
        if mode == 'tensor':
            img = inputs['img']
            logits = self.head(
                self.extract_feat(img),
                self._view_categories(data_samples, img.size(1), img.device),
                img.shape[-2:])
            return logits.view(*img.shape[:2], *logits.shape[1:])
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        raise RuntimeError(f'Invalid mode "{mode}"; expected "tensor", '
                           '"loss" or "predict".')

    def loss(self, inputs: Dict[str, Tensor],
             data_samples: SampleList) -> Dict[str, Tensor]:
        """``loss_seg``: the head's loss over every pixel of every view."""
        img = inputs['img']
        labels = self._view_labels(data_samples, img)
        return self.head.loss(
            self.extract_feat(img),
            self._view_categories(data_samples, img.size(1), img.device),
            labels)

    def predict(self, inputs: Dict[str, Tensor],
                data_samples: SampleList) -> SampleList:
        """Add ``pred_view_part_label`` ((K, H, W) int64: per pixel the
        argmax over the parts of the sample's category, ``part_ids`` of
        its metainfo, and the background ``num_parts``) to every sample."""
        img = inputs['img']
        views = img.size(1)
        try:
            part_ids = [tuple(s.metainfo['part_ids']) for s in data_samples
                        for _ in range(views)]
        except KeyError as e:
            raise KeyError(
                "MultiViewPartSegTeacher.predict needs metainfo 'part_ids' "
                "(the category's parts) in every data sample; pack them "
                'with PackPartSegInputs') from e
        pred = self.head.predict(
            self.extract_feat(img),
            self._view_categories(data_samples, views, img.device),
            part_ids, img.shape[-2:])
        for sample, labels in zip(data_samples,
                                  pred.view(len(data_samples), views,
                                            *pred.shape[1:])):
            sample.set_field(labels, PRED_FIELD, dtype=Tensor)
        return data_samples
