"""The part-segmentation head: per-point features + global feature +
the shape's category -> per-point part logits, with the loss and the
category-restricted prediction."""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
from mmcv.cnn import ConvModule
from mmdet3d.registry import MODELS
from mmengine.model import BaseModule
from torch import Tensor, nn

# Stands for mmdet3d's ``Det3DDataSample``, imported lazily (importing
# mmdet3d.structures pulls in torchvision and triton).
SampleList = List


def _lookup(feats: Dict, spec: str) -> Tensor:
    """``feats[key]`` or ``feats[key][index]`` for ``spec`` = ``'key'`` or
    ``'key.index'`` (e.g. ``'level_feats.0'``, ``'fp_features.-1'``)."""
    key, _, index = spec.partition('.')
    try:
        value = feats[key]
        return value[int(index)] if index else value
    except (KeyError, IndexError, TypeError, ValueError) as e:
        keys = list(feats) if isinstance(feats, dict) else \
            type(feats).__name__
        raise KeyError(
            f'PartSegHead reads {spec!r} (a key, or key.index into a list) '
            f"from the backbone's output, which has {keys}") from e


def sample_categories(data_samples: SampleList) -> List[int]:
    """The ``category`` of every data sample's metainfo (B ints)."""
    if not data_samples:
        raise ValueError(
            'a part segmentor is conditioned on the shape categories: pass '
            'the data samples (with metainfo category and part_ids, as '
            'PackPartSegInputs packs them)')
    try:
        return [int(s.metainfo['category']) for s in data_samples]
    except KeyError as e:
        raise KeyError(
            "every data sample needs metainfo 'category' (the shape's "
            'category index) for a part segmentor; pack the samples with '
            f'PackPartSegInputs; got metainfo keys '
            f'{sorted(data_samples[0].metainfo)}') from e


@MODELS.register_module()
class PartSegHead(BaseModule):
    """Part-segmentation head of the DGCNN / PointNet / PointNet++ part
    segmentors: per point, the concatenation of the backbone's per-point
    features (``point_feats`` names), its global feature broadcast to every
    point and the shape's category (one-hot, lifted by a 1x1 conv + norm +
    activation to ``category_channels``, broadcast), followed by a shared
    MLP (1x1 convs with norm and activation, dropout after the layers in
    ``dropout_after``) and a linear 1x1 conv to the ``num_parts`` logits
    of the shared part label space.

    It owns its loss (``loss_seg``: ``loss`` over all points and all parts,
    e.g. label-smoothed cross-entropy) and its prediction: the argmax over
    the parts of the shape's category only (``part_ids`` of the sample's
    metainfo), as ShapeNetPart is scored.

    Args:
        in_channels (int): Width of the concatenated per-point input:
            the widths of ``point_feats`` + the global feature's +
            ``category_channels`` (or ``num_categories`` when the one-hot
            is not lifted); checked at every forward.
        num_parts (int): Parts in the shared label space (50 in
            ShapeNetPart).
        num_categories (int): Shape categories (16 in ShapeNetPart), the
            width of the one-hot.
        point_feats (Sequence[str]): Per-point features of the backbone's
            output dict to concatenate, each ``'key'`` or ``'key.index'``
            (into a list): ``('level_feats.0', 'level_feats.1',
            'level_feats.2')`` for this plugin's students (channels last),
            ``('fp_features.-1', )`` for mmdet3d's ``PointNet2SASSG``
            (channels first). Each (B, N, C_i) (or (B, C_i, N)).
        global_feat (str, optional): Key of the (B, G) global feature
            (a segmentor with a neck puts the neck's output there). None:
            no global feature.
        channels_first (bool): The ``point_feats`` are (B, C, N) (mmdet3d
            backbones) rather than (B, N, C).
        category_channels (int, optional): Width of the lifted one-hot;
            None concatenates the raw one-hot.
        mid_channels (Sequence[int]): Widths of the shared MLP.
        dropout_ratio (float): Dropout probability.
        dropout_after (Sequence[int]): Indices of the ``mid_channels``
            layers followed by dropout.
        norm_cfg / act_cfg (dict): Norm (1d) and activation of the lifting
            and the MLP layers.
        loss (dict): Loss config, called as ``loss(logits (B * N, P),
            labels (B * N,))``.
        init_cfg (dict, optional): Initialisation config.

    Inputs:
        feats (dict): The backbone's output (plus ``global_feat``).
        data_samples (list[Det3DDataSample]): B samples with metainfo
            ``category`` (and ``part_ids`` for prediction); for the loss,
            ``gt_pts_seg.pts_semantic_mask`` (N,) int64.

    Returns (``forward``):
        Tensor: (B, num_parts, N) logits.
    """

    def __init__(self,
                 in_channels: int,
                 num_parts: int,
                 num_categories: int,
                 point_feats: Sequence[str] = ('level_feats.0',
                                               'level_feats.1',
                                               'level_feats.2'),
                 global_feat: Optional[str] = 'global_feat',
                 channels_first: bool = False,
                 category_channels: Optional[int] = 64,
                 mid_channels: Sequence[int] = (256, 256, 128),
                 dropout_ratio: float = 0.5,
                 dropout_after: Sequence[int] = (0, 1),
                 norm_cfg: Optional[Dict] = dict(type='BN1d'),
                 act_cfg: Optional[Dict] = dict(type='LeakyReLU',
                                                negative_slope=0.2),
                 loss: Dict = dict(type='mmpretrain.LabelSmoothLoss',
                                   label_smooth_val=0.2, mode='original'),
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not point_feats:
            raise ValueError('PartSegHead: point_feats must name at least '
                             'one per-point feature of the backbone')
        bad = [i for i in dropout_after if not 0 <= i < len(mid_channels)]
        if bad:
            raise ValueError(
                f'PartSegHead: dropout_after {tuple(dropout_after)} indexes '
                f'mid_channels {tuple(mid_channels)} (0..'
                f'{len(mid_channels) - 1})')
        self.in_channels = in_channels
        self.num_parts = num_parts
        self.num_categories = num_categories
        self.point_feats = tuple(point_feats)
        self.global_feat = global_feat
        self.channels_first = channels_first
        conv = dict(conv_cfg=dict(type='Conv1d'), norm_cfg=norm_cfg,
                    act_cfg=act_cfg)
        self.category_embed = None
        if category_channels is not None:
            self.category_embed = ConvModule(num_categories,
                                             category_channels, 1, **conv)
        layers = []
        c_in = in_channels
        for i, c_out in enumerate(mid_channels):
            layers.append(ConvModule(c_in, c_out, 1, **conv))
            if i in dropout_after:
                layers.append(nn.Dropout(dropout_ratio))
            c_in = c_out
        self.mlp = nn.Sequential(*layers)
        self.cls_seg = nn.Conv1d(c_in, num_parts, 1)
        self.loss_module = MODELS.build(loss)

    def _category_feat(self, categories: List[int],
                       like: Tensor) -> Tensor:
        """(B, C_cat) lifted (or raw) one-hot of the categories."""
        labels = torch.as_tensor(categories, device=like.device)
        if labels.min() < 0 or labels.max() >= self.num_categories:
            raise ValueError(
                f'PartSegHead: category {int(labels.max())} of a sample is '
                f'outside the head\'s num_categories={self.num_categories}; '
                'set num_categories to the number of classes of the dataset')
        onehot = nn.functional.one_hot(labels, self.num_categories).to(
            like.dtype)
        if self.category_embed is None:
            return onehot
        return self.category_embed(onehot.unsqueeze(-1)).squeeze(-1)

    def forward(self, feats: Dict, data_samples: SampleList) -> Tensor:
        """(B, num_parts, N) part logits."""
        points = [_lookup(feats, spec) for spec in self.point_feats]
        if not self.channels_first:
            points = [p.transpose(1, 2) for p in points]  # (B, C_i, N)
        num_points = {p.shape[-1] for p in points}
        if len(num_points) != 1:
            raise ValueError(
                f'PartSegHead: the point features {self.point_feats} have '
                f'different numbers of points '
                f'{[tuple(p.shape) for p in points]} (channels_first='
                f'{self.channels_first})')
        n = points[0].shape[-1]
        pieces = list(points)
        if self.global_feat is not None:
            glob = _lookup(feats, self.global_feat)  # (B, G)
            pieces.append(glob.unsqueeze(-1).expand(-1, -1, n))
        cat = self._category_feat(sample_categories(data_samples), points[0])
        pieces.append(cat.unsqueeze(-1).expand(-1, -1, n))
        x = torch.cat(pieces, dim=1)
        if x.shape[1] != self.in_channels:
            widths = [p.shape[1] for p in pieces]
            raise ValueError(
                f'PartSegHead: in_channels={self.in_channels}, but the point '
                f'features {self.point_feats}, the global feature and the '
                f'category feature have {widths} channels (sum '
                f'{sum(widths)}); set in_channels={sum(widths)}')
        return self.cls_seg(self.mlp(x))

    def loss(self, feats: Dict, data_samples: SampleList
             ) -> Dict[str, Tensor]:
        """``loss_seg``: the loss of all points' logits against
        ``gt_pts_seg.pts_semantic_mask``."""
        logits = self(feats, data_samples)  # (B, P, N)
        labels = self._labels(data_samples, logits)
        scores = logits.transpose(1, 2).reshape(-1, self.num_parts)
        return dict(loss_seg=self.loss_module(scores, labels.reshape(-1)))

    def _labels(self, data_samples: SampleList, logits: Tensor) -> Tensor:
        """(B, N) per-point part labels of the samples."""
        try:
            labels = torch.stack([s.gt_pts_seg.pts_semantic_mask
                                  for s in data_samples])
        except AttributeError as e:
            raise KeyError(
                'PartSegHead.loss needs gt_pts_seg.pts_semantic_mask (the '
                'per-point part labels) in every data sample; pack them '
                'with PackPartSegInputs from a dataset with part labels'
            ) from e
        labels = labels.to(logits.device)
        if labels.shape != (logits.shape[0], logits.shape[2]):
            raise ValueError(
                f'PartSegHead: labels {tuple(labels.shape)} do not match the '
                f'logits of {logits.shape[2]} points per shape; the '
                'point_feats must be at the input points (for mmdet3d '
                "backbones the last feature-propagation level, "
                "'fp_features.-1')")
        if labels.min() < 0 or labels.max() >= self.num_parts:
            raise ValueError(
                f'PartSegHead: part label {int(labels.max())} is outside '
                f'num_parts={self.num_parts}; set num_parts to the size of '
                "the dataset's part label space")
        return labels

    def predict(self, feats: Dict, data_samples: SampleList) -> SampleList:
        """Add ``pred_pts_seg.pts_semantic_mask`` ((N,) int64: the argmax
        over the parts of the sample's category, ``part_ids`` of its
        metainfo) and ``pts_seg_logits.pts_seg_logits`` ((num_parts, N),
        all parts, as mmdet3d's segmentors store them) to every sample."""
        from mmdet3d.structures import PointData
        logits = self(feats, data_samples)
        for sample, logit in zip(data_samples, logits):
            allowed = self._allowed_parts(sample, logit)
            masked = torch.full_like(logit, float('-inf'))
            masked[allowed] = logit[allowed]
            sample.set_data(dict(
                pts_seg_logits=PointData(pts_seg_logits=logit),
                pred_pts_seg=PointData(
                    pts_semantic_mask=masked.argmax(dim=0))))
        return data_samples

    def _allowed_parts(self, sample, logit: Tensor) -> Tensor:
        parts: Union[Tuple[int, ...], None] = sample.metainfo.get('part_ids')
        if not parts:
            raise KeyError(
                "PartSegHead.predict restricts the prediction to the parts "
                "of the shape's category: every data sample needs metainfo "
                "'part_ids' (as PackPartSegInputs packs it); got "
                f'{sorted(sample.metainfo)}')
        if max(parts) >= self.num_parts or min(parts) < 0:
            raise ValueError(
                f'PartSegHead: part ids {tuple(parts)} of a sample are '
                f'outside num_parts={self.num_parts}')
        return torch.as_tensor(list(parts), device=logit.device)
