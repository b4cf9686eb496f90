"""The label-free PointMCD teacher: an image backbone trained as a
multi-view image auto-encoder; its view descriptors are the pooled last
stage of the backbone (optionally projected)."""
from typing import Dict, List, Optional, Sequence, Union

from mmcv.cnn import ConvModule
from mmdet3d.registry import MODELS
from mmpretrain.structures import DataSample
from torch import Tensor, nn

from .base_teacher import MultiViewBackboneTeacher

# The reconstructed views of a data sample (0..255 pixel units).
PRED_FIELD = 'pred_views'


@MODELS.register_module()
class MultiViewAutoEncoderTeacher(MultiViewBackboneTeacher):
    """Multi-view image auto-encoder around an mmpretrain backbone: the
    PointMCD teacher of the unsupervised setting, which never sees a label.

    Every view runs through the backbone; the global average pool of its
    last feature map, optionally projected by a 1x1 conv + norm + ReLU to
    ``descriptor_channels``, is the view descriptor (B, K, D) that is
    exported and distilled. A :class:`ViewDecoderHead` decodes every view
    from its descriptor alone and owns the reconstruction loss
    (``loss_recon``, L1 against the normalised view). Neither the loss nor
    the prediction reads anything of the data samples but their metainfo
    passing through: no label, no category.

    The authors' teacher (``CNN_Backbone_Pretrainer`` of github
    keeganhk/PointMCD, without its light spatial / channel attention):
    ImageNet VGG11-bn to its last conv stage (512 channels at 1/16, no
    last max pool), pooled to the 512-d descriptor, decoded through a
    7 x 7 x 256 seed and four conv blocks to 224 px::

        backbone=dict(type='mmpretrain.VGG', depth=11,
                      norm_cfg=dict(type='BN'), out_indices=(4, ),
                      with_last_pool=False)
        head=dict(type='ViewDecoderHead', seed_size=(7, 7),
                  seed_channels=256, channels=(256, 128, 64, 32))

    As a distillation teacher build it with ``frozen=True`` (or call
    :meth:`freeze`).

    Args:
        head (dict): :class:`ViewDecoderHead` config; ``in_channels``
            defaults to the descriptor width D and ``out_channels`` to the
            backbone's input channels, and must equal them when given.
        backbone (dict): mmpretrain image backbone; its last output
            (N, C, H, W) is pooled.
        descriptor_channels (int, optional): Project the pooled feature to
            this width (1x1 conv + norm + ReLU, as the classification
            teacher's descriptor); None: the pooled feature itself
            (D = the last stage's width, 512 for VGG11-bn).
        norm_cfg (dict): Norm of the projection.
        pretrained_ignore_keys (Sequence[str]): Regular expressions of
            ``Pretrained`` checkpoint keys the model may drop (e.g.
            ``'^classifier\\.'`` for mmpretrain's VGG checkpoints).
        frozen (bool): Freeze at build time.
        data_preprocessor (dict, optional): Defaults to
            ``MultiViewImagePreprocessor``.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 head: Dict,
                 backbone: Dict = dict(type='mmpretrain.VGG', depth=11,
                                       norm_cfg=dict(type='BN'),
                                       out_indices=(4, ),
                                       with_last_pool=False),
                 descriptor_channels: Optional[int] = None,
                 norm_cfg: Dict = dict(type='BN'),
                 pretrained_ignore_keys: Sequence[str] = (),
                 frozen: bool = False,
                 data_preprocessor: Optional[Dict] = None,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(backbone=backbone,
                         pretrained_ignore_keys=pretrained_ignore_keys,
                         data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        for name in ('mean', 'std'):
            if not isinstance(getattr(self.data_preprocessor, name, None),
                              Tensor):
                raise TypeError(
                    'MultiViewAutoEncoderTeacher needs a data preprocessor '
                    f'with {name} buffers (MultiViewImagePreprocessor) to '
                    'return its reconstructions in pixel units; got '
                    f'{type(self.data_preprocessor).__name__}')
        last = self.feature_channels[-1]
        layers = [nn.AdaptiveAvgPool2d(1)]
        if descriptor_channels is not None:
            layers.append(ConvModule(last, descriptor_channels, 1,
                                     norm_cfg=norm_cfg,
                                     act_cfg=dict(type='ReLU')))
        layers.append(nn.Flatten(1))
        self.descriptor = nn.Sequential(*layers)
        self.descriptor_channels = last if descriptor_channels is None \
            else int(descriptor_channels)
        head = dict(head)
        for key, width, what in (
                ('in_channels', self.descriptor_channels, 'the descriptor '
                 'width (descriptor_channels, or the last stage)'),
                ('out_channels', self.in_channels, "the backbone's input "
                 'channels')):
            given = head.setdefault(key, width)
            if given != width:
                raise ValueError(
                    f'head.{key}={given} but {what} is {width}; set '
                    f'head.{key} to it or leave it out.')
        self.head = MODELS.build(head)
        if frozen:
            self.freeze()

    def _flat_descriptors(self, img: Tensor) -> Tensor:
        """(B * K, D) descriptors of (B, K, C, H, W) normalised views."""
        return self.flat_view_descriptors(self.backbone_maps(img))

    def extract_feat(self, inputs: Dict[str, Tensor]) -> Tensor:
        """(B, K, D) view descriptors of ``inputs['img']``."""
        return self.extract_view_descriptors(inputs['img'])

    def reconstruct(self, img: Tensor) -> Tensor:
        """Normalised views (B, K, C, H, W) -> their reconstructions, same
        shape, in the same normalised units."""
        self._check_views(img)
        recon = self.head(self._flat_descriptors(img), img.shape[-2:])
        return recon.view(img.shape)

    def forward(self,
                inputs: Dict[str, Tensor],
                data_samples: Optional[List] = None,
                mode: str = 'tensor') -> Union[Dict, List, Tensor]:
        """``loss`` -> dict of losses; ``predict`` -> data samples with
        ``pred_views``; ``tensor`` -> reconstructions (B, K, C, H, W),
        normalised. ``inputs['img']``: float (B, K, C, H, W). No mode
        reads a data sample."""
        if mode == 'tensor':
            return self.reconstruct(inputs['img'])
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        raise RuntimeError(f'Invalid mode "{mode}"; expected "tensor", '
                           '"loss" or "predict".')

    def loss(self, inputs: Dict[str, Tensor],
             data_samples: Optional[List] = None) -> Dict[str, Tensor]:
        """``loss_recon``: every view reconstructed from its descriptor
        against itself; the data samples are not read."""
        img = inputs['img']
        self._check_views(img)
        return self.head.loss(self._flat_descriptors(img),
                              img.flatten(0, 1))

    def predict(self, inputs: Dict[str, Tensor],
                data_samples: Optional[List] = None) -> List:
        """The samples (new ``DataSample`` objects when None) with
        ``pred_views`` (K, C, H, W) float: the reconstructions brought back
        to 0..255 pixel units with the preprocessor's mean and std (not
        clipped), what :class:`ViewReconstructionMetric` compares with the
        uint8 input views."""
        recon = self.reconstruct(inputs['img'])
        pixels = recon * self.data_preprocessor.std + \
            self.data_preprocessor.mean
        if data_samples is None:
            data_samples = [DataSample() for _ in range(len(pixels))]
        if len(data_samples) != len(pixels):
            raise ValueError(
                f'MultiViewAutoEncoderTeacher.predict: {len(data_samples)} '
                f'data samples for a batch of {len(pixels)} shapes')
        for sample, views in zip(data_samples, pixels):
            sample.set_field(views.detach(), PRED_FIELD, dtype=Tensor)
        return data_samples
