"""What every multi-view image teacher shares: the data preprocessor, an
mmpretrain backbone run on every view, the width checks made at build
time, pretrained-checkpoint checks and freezing."""
from contextlib import nullcontext
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
from mmdet3d.registry import MODELS
from mmengine.model import BaseModel
from torch import Tensor, nn

from .pretrained import check_pretrained_fits

# Side of the blank images the backbone's output widths are probed with.
PROBE_SIZE = 64


def first_conv_in_channels(backbone: nn.Module) -> int:
    """Input channels of the first ``Conv2d`` of an image backbone."""
    for module in backbone.modules():
        if isinstance(module, nn.Conv2d):
            return module.in_channels
    raise TypeError(f'{type(backbone).__name__} has no Conv2d layer to read '
                    'its input channels from; a multi-view image teacher '
                    'needs a convolutional image backbone.')


def feature_maps(outs: Union[Tensor, Sequence[Tensor]],
                 owner: str) -> Tuple[Tensor, ...]:
    """The backbone's output as a tuple of (N, C, H, W) maps."""
    outs = tuple(outs) if isinstance(outs, (tuple, list)) else (outs, )
    if not outs or any(o.ndim != 4 for o in outs):
        raise ValueError(f'{owner} expects the backbone to give (N, C, H, W) '
                         'feature maps, got shapes '
                         f'{[tuple(o.shape) for o in outs]}')
    return outs


class FrozenTeacherMixin:
    """``freeze`` for the image teachers (put before ``BaseModel`` in the
    bases; the class sets ``self.frozen = False`` when it is built): a
    frozen teacher has no parameter that requires grad and stays in eval
    mode, ``train()`` included, so BN statistics never move; its
    descriptors are extracted under ``torch.no_grad``."""
    frozen: bool

    def freeze(self):
        """Make this a fixed teacher (see the class docstring)."""
        self.frozen = True
        self.requires_grad_(False)
        return self.train(False)

    def train(self, mode: bool = True):
        """As ``nn.Module.train``, but a frozen teacher stays in eval."""
        return super().train(mode and not self.frozen)


class MultiViewBackboneTeacher(FrozenTeacherMixin, BaseModel):
    """Base of the multi-view image teachers (classification, part
    segmentation, auto-encoding): a :class:`MultiViewImagePreprocessor`
    (uint8 views -> normalised float) and an mmpretrain image backbone that
    runs on all B * K views of a batch at once.

    At build time it reads the backbone's input channels (its first conv),
    checks them against the preprocessor's ``num_channels`` and probes the
    widths of its outputs (``feature_channels``, fine to coarse, one per
    ``out_indices`` entry) on a blank image. ``init_weights`` raises when a
    ``Pretrained`` checkpoint does not fit (mmengine only warns), except
    for checkpoint keys matched by ``pretrained_ignore_keys``.

    A subclass builds its heads after ``super().__init__`` and calls
    :meth:`freeze` last when built ``frozen``.

    Args:
        backbone (dict): mmpretrain image backbone giving one or a tuple of
            (N, C_l, H_l, W_l) maps.
        pretrained_ignore_keys (Sequence[str]): Regular expressions of
            ``Pretrained`` checkpoint keys the model may drop.
        data_preprocessor (dict, optional): Defaults to
            ``MultiViewImagePreprocessor``.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 backbone: Dict,
                 pretrained_ignore_keys: Sequence[str] = (),
                 data_preprocessor: Optional[Dict] = None,
                 init_cfg: Optional[Dict] = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='MultiViewImagePreprocessor')
        if isinstance(data_preprocessor, dict):
            data_preprocessor = MODELS.build(data_preprocessor)
        super().__init__(init_cfg=init_cfg,
                         data_preprocessor=data_preprocessor)
        self.frozen = False
        self.backbone = MODELS.build(backbone)
        self.in_channels = first_conv_in_channels(self.backbone)
        preprocessor_channels = getattr(self.data_preprocessor,
                                        'num_channels', self.in_channels)
        if preprocessor_channels != self.in_channels:
            raise ValueError(
                f'The data preprocessor makes {preprocessor_channels}-channel'
                f' views but the backbone takes {self.in_channels} channels;'
                ' set the preprocessor\'s num_channels to match.')
        self.feature_channels = self._probe_feature_channels()
        self.pretrained_ignore_keys = tuple(pretrained_ignore_keys)

    @torch.no_grad()
    def _probe_feature_channels(self) -> Tuple[int, ...]:
        was_training = self.backbone.training
        self.backbone.eval()
        probe = torch.zeros(1, self.in_channels, PROBE_SIZE, PROBE_SIZE)
        channels = tuple(f.size(1) for f in feature_maps(
            self.backbone(probe), type(self).__name__))
        self.backbone.train(was_training)
        return channels

    def init_weights(self) -> None:
        """Initialise (pretrained checkpoints included), then raise if a
        ``Pretrained`` checkpoint does not fit the module it names."""
        super().init_weights()
        check_pretrained_fits(self, self.pretrained_ignore_keys)

    def _check_views(self, img: Tensor) -> None:
        if not isinstance(img, Tensor) or img.ndim != 5 or \
                not img.is_floating_point():
            raise ValueError(
                f'{type(self).__name__} expects normalised float views '
                f'(B, K, C, H, W), got {getattr(img, "dtype", type(img))} '
                f'{tuple(getattr(img, "shape", ()))}; run them through '
                'MultiViewImagePreprocessor first.')

    def backbone_maps(self, img: Tensor) -> Tuple[Tensor, ...]:
        """The backbone's feature maps of every view.

        Args:
            img (Tensor): float (B, K, C, H, W) normalised views.

        Returns:
            tuple[Tensor]: (B * K, C_l, H_l, W_l) maps, fine to coarse.
        """
        self._check_views(img)
        return feature_maps(self.backbone(img.flatten(0, 1)),
                            type(self).__name__)

    def flat_view_descriptors(self, maps: Tuple[Tensor, ...]) -> Tensor:
        """(B * K, D) descriptors from the backbone's maps of every view:
        the subclass's ``descriptor`` module (pool, and a projection where
        it has one) over the last map."""
        return self.descriptor(maps[-1])

    def extract_view_descriptors(self, img: Tensor) -> Tensor:
        """Per-view descriptors of normalised views (no gradient when
        frozen).

        Args:
            img (Tensor): float (B, K, C, H, W), as produced by
                :meth:`MultiViewImagePreprocessor.preprocess_views`.

        Returns:
            Tensor: (B, K, D) descriptors, D = ``descriptor_channels``.
        """
        self._check_views(img)
        batch, views = img.shape[:2]
        with torch.no_grad() if self.frozen else nullcontext():
            maps = self.backbone_maps(img)
            return self.flat_view_descriptors(maps).view(batch, views, -1)
