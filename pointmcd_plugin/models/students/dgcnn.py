from typing import Dict, List, Optional, Sequence, Union

import torch
from mmcv.cnn import ConvModule
from mmcv.cnn.bricks.wrappers import Conv2d as MMCVConv2d
from mmdet3d.registry import MODELS
from mmengine.model import BaseModule
from torch import Tensor, nn

from pointmcd_plugin.ops import knn

# Conv layers whose forward is exactly ``F.conv2d(x, weight, bias)``: only
# these can be factored (ConvWS2d, deformable or adaptive-padding convs
# change the weight or the sampling in their forward).
_PLAIN_CONV2D = (nn.Conv2d, MMCVConv2d)


def _check_factorable(conv: ConvModule) -> None:
    """Raise unless ``edge_conv`` computes exactly what ``conv`` would on
    the explicit edge tensor."""
    layer = conv.conv
    problems = []
    if conv.order[0] != 'conv':
        problems.append(
            f'order={conv.order} (a norm or activation before the conv would '
            'act on the (B, 2C, N, k) edge tensor itself)')
    if conv.with_spectral_norm:
        problems.append('with_spectral_norm=True (its weight is recomputed '
                        'inside the conv forward)')
    if type(layer) not in _PLAIN_CONV2D:
        problems.append(f'a {type(layer).__name__} conv (only a plain '
                        'Conv2d is linear in a weight it exposes)')
    elif (layer.kernel_size != (1, 1) or layer.stride != (1, 1)
          or layer.padding != (0, 0) or layer.dilation != (1, 1)
          or layer.groups != 1 or conv.with_explicit_padding):
        problems.append(
            f'kernel_size={layer.kernel_size}, stride={layer.stride}, '
            f'padding={layer.padding}, dilation={layer.dilation}, '
            f'groups={layer.groups} (need a 1x1 conv, stride 1, no padding, '
            'one group)')
    if problems:
        raise ValueError(
            'EdgeConv computes its 1x1 conv factored per point, '
            'W [x_j - x_i, x_i] + b = W1 x_j + (W2 - W1) x_i + b, which is '
            'exact only for a ConvModule whose first layer is a plain '
            'Conv2d(2C, C\', 1); got ' + '; '.join(problems) + '. Build it as '
            "ConvModule(2 * C, C', 1, conv_cfg=dict(type='Conv2d'), "
            "order=('conv', ...)).")


def edge_conv(x: Tensor, k: int, conv: ConvModule, activate: bool = True,
              norm: bool = True) -> Tensor:
    """EdgeConv layer: ``max_j conv([x_j - x_i, x_i])`` over the k nearest
    neighbours j of every point i (in the space of ``x``, i itself included).

    The result equals running the ConvModule ``conv`` (its conv, bias, norm
    and activation, in its ``order``) on the explicit (B, 2C, N, k) edge
    tensor and max-pooling over the neighbours. The 1x1 conv is linear, so
    ``W [x_j - x_i, x_i] + b = W1 x_j + (W2 - W1) x_i + b`` with
    ``W = [W1, W2]``: both terms are computed per point and then gathered
    per edge, which needs k times fewer multiply-adds than convolving the
    edge tensor. The norm and activation then run on the (B, C', N, k)
    edge responses as ``conv`` would run them.

    Args:
        x (Tensor): (B, C, N) point features.
        k (int): Neighbours per point.
        conv (ConvModule): Its first layer a plain ``Conv2d(2C, C', 1)``
            (with or without bias); any norm / activation after it.
            Anything else raises ``ValueError``.
        activate / norm (bool): As in ``ConvModule.forward``.

    Returns:
        Tensor: (B, C', N).
    """
    _check_factorable(conv)
    B, C, N = x.shape
    layer = conv.conv
    if layer.in_channels != 2 * C:
        raise ValueError(
            f'edge_conv: the conv takes {layer.in_channels} channels, i.e. '
            f'edges of {layer.in_channels // 2}-channel points; got points '
            f'with C={C} ({tuple(x.shape)})')
    feats = x.transpose(1, 2).contiguous()  # (B, N, C)
    idx = knn(k, feats)  # (B, N, k)
    weight = layer.weight.view(-1, 2 * C)  # (C', 2C)
    w_nb, w_ctr = weight[:, :C], weight[:, C:]
    y_nb = feats @ w_nb.t()  # (B, N, C')
    y_ctr = feats @ (w_ctr - w_nb).t()  # (B, N, C')
    if layer.bias is not None:
        y_ctr = y_ctr + layer.bias
    base = torch.arange(B, device=x.device).view(B, 1, 1) * N
    edges = y_nb.reshape(B * N, -1)[(idx + base).reshape(-1)]
    edges = edges.view(B, N, k, -1) + y_ctr.unsqueeze(2)  # (B, N, k, C')
    edges = edges.permute(0, 3, 1, 2)  # (B, C', N, k)
    for name in conv.order[1:]:
        if name == 'norm' and norm and conv.with_norm:
            edges = conv.norm(edges)
        elif name == 'act' and activate and conv.with_activation:
            edges = conv.activate(edges)
    return edges.max(dim=-1)[0]


class EdgeConv(ConvModule):
    """An EdgeConv layer as an mmcv ``ConvModule`` over edge features.

    It is built as ``ConvModule(2 * in_channels, out_channels, 1,
    conv_cfg=dict(type='Conv2d'), ...)`` (same parameters, state-dict keys
    and initialisation), but its forward takes point features and returns
    :func:`edge_conv` of them: the module's conv / norm / activation on the
    edges ``[x_j - x_i, x_i]`` to the ``k`` nearest neighbours, max-pooled.
    Forward hooks on it therefore see the layer's point-wise output.

    Args:
        in_channels (int): C, channels of the input points.
        out_channels (int): C', channels of the output points.
        k (int): Neighbours per point.
        bias / norm_cfg / act_cfg / inplace / order: As in ``ConvModule``;
            ``order`` must start with ``'conv'``.

    Inputs:
        x (Tensor): (B, C, N) point features.

    Returns:
        Tensor: (B, C', N).
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 k: int,
                 bias: Union[bool, str] = 'auto',
                 norm_cfg: Optional[Dict] = None,
                 act_cfg: Optional[Dict] = dict(type='ReLU'),
                 inplace: bool = True,
                 order: tuple = ('conv', 'norm', 'act')) -> None:
        super().__init__(2 * in_channels, out_channels, 1, bias=bias,
                         conv_cfg=dict(type='Conv2d'), norm_cfg=norm_cfg,
                         act_cfg=act_cfg, inplace=inplace, order=order)
        _check_factorable(self)
        self.k = k

    def forward(self, x: Tensor, activate: bool = True,
                norm: bool = True) -> Tensor:
        return edge_conv(x, self.k, self, activate=activate, norm=norm)


@MODELS.register_module()
class DGCNNEncoder(BaseModule):
    """DGCNN point encoder (Wang et al., 2019) exposing point-wise,
    per-level and global features.

    Stacked EdgeConv layers whose graphs are rebuilt in feature space, the
    concatenated layer outputs embedded by a shared 1x1 conv. This is the
    classification variant the PointMCD student uses (4 EdgeConv layers,
    k=20, 64/64/128/256 -> 1024 point features).

    State-dict keys are those of plain ``ConvModule`` layers:
    ``edge_convs.{l}.conv.weight`` (Conv2d(2C, C', 1)),
    ``edge_convs.{l}.bn.*``, ``embed.conv.weight``, ``embed.bn.*``.

    Args:
        in_channels (int): Input channels per point (3 for xyz, 6 with
            normals). Defaults to 3.
        k (int): Neighbours per EdgeConv graph. Defaults to 20.
        edge_channels (Sequence[int]): Output channels of each EdgeConv.
        embed_channels (int): Channels of the point-wise embedding.
        norm_cfg / act_cfg (dict): Norm (a 2d norm; its 1d counterpart is
            used for the embedding) and activation of every layer. A None
            ``norm_cfg`` means no norm.
        bias (bool | str): Conv bias of every layer; ``'auto'`` (mmcv's
            rule) has a bias only without a norm. Defaults to ``'auto'``.
        global_pool (Sequence[str]): Poolings of ``point_feats`` whose
            concatenation is ``global_feat``, from ``'max'`` and ``'avg'``.
            Defaults to ``('max', 'avg')`` (the classification DGCNN); the
            part-segmentation DGCNN pools ``('max', )``.
        init_cfg (dict, optional): Initialisation config.

    Inputs:
        points (Tensor): (B, N, in_channels).

    Returns:
        dict:

        - ``point_feats`` (B, N, embed_channels): the point-wise embedding
          (non-negative only when the activation is ReLU).
        - ``level_feats`` (list[Tensor]): the output of every EdgeConv
          layer ``l``, (B, N, edge_channels[l]) (what a DGCNN part
          segmentor concatenates).
        - ``global_feat`` (B, len(global_pool) * embed_channels): the
          ``global_pool`` poolings of ``point_feats`` (by default max and
          average), concatenated.

        All channels last; ``point_channels``, ``level_channels`` and
        ``global_channels`` give the widths.
    """

    def __init__(self,
                 in_channels: int = 3,
                 k: int = 20,
                 edge_channels: Sequence[int] = (64, 64, 128, 256),
                 embed_channels: int = 1024,
                 norm_cfg: Optional[Dict] = dict(type='BN2d'),
                 act_cfg: Optional[Dict] = dict(type='LeakyReLU',
                                                negative_slope=0.2),
                 bias: Union[bool, str] = 'auto',
                 global_pool: Sequence[str] = ('max', 'avg'),
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        global_pool = tuple(global_pool)
        if not global_pool or not set(global_pool) <= {'max', 'avg'}:
            raise ValueError(
                "DGCNNEncoder: global_pool must name poolings among 'max' "
                f"and 'avg', e.g. ('max', 'avg') or ('max', ); got "
                f'{global_pool}')
        self.global_pool = global_pool
        self.in_channels = in_channels
        self.k = k
        self.edge_convs = nn.ModuleList()
        c_in = in_channels
        for c_out in edge_channels:
            self.edge_convs.append(
                EdgeConv(c_in, c_out, k, bias=bias, norm_cfg=norm_cfg,
                         act_cfg=act_cfg))
            c_in = c_out
        norm1d = None if norm_cfg is None else dict(
            norm_cfg, type=norm_cfg['type'].replace('2d', '1d'))
        self.embed = ConvModule(sum(edge_channels), embed_channels, 1,
                                bias=bias, conv_cfg=dict(type='Conv1d'),
                                norm_cfg=norm1d, act_cfg=act_cfg)
        self.point_channels = embed_channels
        self.level_channels = list(edge_channels)
        self.global_channels = len(global_pool) * embed_channels

    def forward(self, points: Tensor) -> Dict[str, Union[Tensor, List]]:
        if points.dim() != 3 or points.shape[-1] != self.in_channels:
            raise ValueError(f'{type(self).__name__} expects points of shape '
                             f'(B, N, {self.in_channels}), got '
                             f'{tuple(points.shape)}')
        x = points.transpose(1, 2).contiguous()  # (B, C, N)
        outs = []
        for conv in self.edge_convs:
            x = conv(x)
            outs.append(x)
        x = self.embed(torch.cat(outs, dim=1))  # (B, E, N)
        global_feat = torch.cat(
            [x.max(dim=-1)[0] if pool == 'max' else x.mean(dim=-1)
             for pool in self.global_pool], dim=1)
        return dict(point_feats=x.transpose(1, 2),
                    level_feats=[o.transpose(1, 2) for o in outs],
                    global_feat=global_feat)
