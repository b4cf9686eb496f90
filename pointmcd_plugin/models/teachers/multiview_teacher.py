from typing import Dict, List, Optional, Tuple, Union

from mmcv.cnn import ConvModule
from mmdet3d.registry import MODELS
from mmpretrain.structures import DataSample
from torch import Tensor, nn

from .base_teacher import FrozenTeacherMixin  # noqa: F401 (re-exported)
from .base_teacher import MultiViewBackboneTeacher


@MODELS.register_module()
class MultiViewImageTeacher(MultiViewBackboneTeacher):
    """Multi-view image classifier around an mmpretrain backbone: the
    PointMCD teacher.

    Every view runs through the backbone; a descriptor head (global average
    pool, 1x1 conv to ``descriptor_channels``, norm, ReLU) gives per-view
    descriptors (B, K, D), the views' maximum the global descriptor (B, D).
    One classification head, owning its loss, classifies the global
    descriptor (``loss_cls``) and, as a side output, every view
    (``loss_view_cls``, scaled by ``view_loss_weight``). The number of
    views K is whatever the batch brings.

    The paper's classification teacher::

        backbone=dict(type='mmpretrain.MobileNetV2', widen_factor=1.0,
                      out_indices=(7, ),
                      init_cfg=dict(type='Pretrained', prefix='backbone.',
                                    checkpoint='https://download.openmmlab'
                                    '.com/mmclassification/v0/mobilenet_v2/'
                                    'mobilenet_v2_batch256_imagenet_'
                                    '20200708-3b2dc3af.pth')),
        head=dict(type='mmpretrain.StackedLinearClsHead', num_classes=40,
                  in_channels=512, mid_channels=[512],
                  norm_cfg=dict(type='BN1d'),
                  loss=dict(type='mmpretrain.LabelSmoothLoss',
                            label_smooth_val=0.2, mode='original'))

    with ImageNet mean/std in the data preprocessor. ``init_weights`` raises
    when a ``Pretrained`` checkpoint does not fit (mmengine only warns).

    As a distillation teacher, build it with ``frozen=True`` (or call
    :meth:`freeze`): it then stays in eval mode, has no trainable
    parameters and extracts descriptors without autograd.

    Args:
        head (dict): mmpretrain classification head (a ``ClsHead``, owning
            the loss) taking ``(descriptor, )`` with
            ``in_channels == descriptor_channels``.
        backbone (dict): mmpretrain image backbone; its last output
            (N, C, H, W) is used and C is probed at build time.
        descriptor_channels (int): Width D of the view descriptors.
        norm_cfg (dict): Norm layer of the descriptor head.
        view_loss_weight (float): Weight of the per-view classification
            loss; 0 leaves it out.
        frozen (bool): Freeze at build time, see :meth:`freeze`.
        data_preprocessor (dict, optional): Defaults to
            ``MultiViewImagePreprocessor``.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 head: Dict,
                 backbone: Dict = dict(type='mmpretrain.MobileNetV2',
                                       widen_factor=1.0, out_indices=(7, )),
                 descriptor_channels: int = 512,
                 norm_cfg: Dict = dict(type='BN'),
                 view_loss_weight: float = 1.0,
                 frozen: bool = False,
                 data_preprocessor: Optional[Dict] = None,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(backbone=backbone,
                         data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        # The last output (N, C, H, W) gives the descriptors.
        self.backbone_channels = self.feature_channels[-1]
        self.descriptor = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            ConvModule(self.backbone_channels, descriptor_channels, 1,
                       norm_cfg=norm_cfg, act_cfg=dict(type='ReLU')),
            nn.Flatten(1))
        self.head = MODELS.build(head)
        head_channels = getattr(self.head, 'in_channels', descriptor_channels)
        if head_channels != descriptor_channels:
            raise ValueError(
                f'The head takes in_channels={head_channels} but the view '
                f'descriptors have descriptor_channels={descriptor_channels}.')
        self.descriptor_channels = descriptor_channels
        self.view_loss_weight = view_loss_weight
        if frozen:
            self.freeze()

    def extract_feat(self, inputs: Dict[str, Tensor]) -> Tuple[Tensor]:
        """Global descriptor (B, D), the max over views, as the
        one-element tuple mmpretrain heads take."""
        views = self.extract_view_descriptors(inputs['img'])
        return (views.max(dim=1).values, )

    def forward(self,
                inputs: Dict[str, Tensor],
                data_samples: Optional[List[DataSample]] = None,
                mode: str = 'tensor') -> Union[Dict, List, Tensor]:
        """``loss`` -> dict of losses; ``predict`` -> data samples with
        ``pred_score``/``pred_label``; ``tensor`` -> logits (B, classes).
        ``inputs['img']``: float (B, K, C, H, W)."""
        if mode == 'tensor':
            return self.head(self.extract_feat(inputs))
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        raise RuntimeError(f'Invalid mode "{mode}"; expected "tensor", '
                           '"loss" or "predict".')

    def loss(self, inputs: Dict[str, Tensor],
             data_samples: List[DataSample]) -> Dict[str, Tensor]:
        """``loss_cls`` on the global descriptor and, unless
        ``view_loss_weight`` is 0, ``loss_view_cls`` on every view (each
        view carries its shape's label)."""
        views = self.extract_view_descriptors(inputs['img'])
        losses = {
            'loss_cls' if key == 'loss' else key: value
            for key, value in self.head.loss(
                (views.max(dim=1).values, ), data_samples).items()
        }
        if self.view_loss_weight:
            num_views = views.size(1)
            view_samples = [s for s in data_samples for _ in range(num_views)]
            for key, value in self.head.loss(
                    (views.flatten(0, 1), ), view_samples).items():
                if key == 'loss':
                    losses['loss_view_cls'] = self.view_loss_weight * value
                else:
                    losses[f'view_{key}'] = value
        return losses

    def predict(self, inputs: Dict[str, Tensor],
                data_samples: Optional[List[DataSample]] = None
                ) -> List[DataSample]:
        """Predictions from the global descriptor."""
        return self.head.predict(self.extract_feat(inputs), data_samples)
