"""FoldingNet's graph encoder (Yang et al., CVPR 2018), a student with the
plugin's output convention."""
from typing import Dict, List, Optional, Sequence, Union

import torch
from mmcv.cnn import build_activation_layer
from mmdet3d.registry import MODELS
from mmengine.model import BaseModule, kaiming_init
from torch import Tensor, nn

from pointmcd_plugin.ops import knn


def gather_neighbours(feats: Tensor, idx: Tensor) -> Tensor:
    """(B, N, k, C) features of the neighbours ``idx`` (B, N, k) of every
    point, from ``feats`` (B, N, C) (``torch.gather``, whose backward is a
    scatter-add: about twice as fast on CPU as advanced indexing's)."""
    B, N, C = feats.shape
    k = idx.shape[-1]
    flat = idx.reshape(B, N * k, 1).expand(-1, -1, C)
    return torch.gather(feats, 1, flat).view(B, N, k, C)


def local_covariance(xyz: Tensor, idx: Tensor) -> Tensor:
    """Covariance of every point's k-NN neighbourhood.

    ``cov_i = 1/k sum_j (x_j - m_i)(x_j - m_i)^T`` over the k neighbours
    ``j`` of point ``i`` (itself included), ``m_i`` their mean: the
    "local covariance" FoldingNet feeds its encoder (the paper's Sec. 2.1).
    antao97/UnsupervisedPointCloudReconstruction computes instead the outer
    product of the point with its nearest other neighbour; this is the
    published quantity.

    Args:
        xyz (Tensor): (B, N, 3) points.
        idx (Tensor): (B, N, k) neighbour indices.

    Returns:
        Tensor: (B, N, 9), the 3 x 3 matrices flattened row-major.
    """
    nb = gather_neighbours(xyz, idx)  # (B, N, k, 3)
    centred = nb - nb.mean(dim=2, keepdim=True)
    cov = centred.transpose(2, 3) @ centred / idx.shape[-1]  # (B, N, 3, 3)
    return cov.flatten(2)


def shared_linear(in_channels: int, out_channels: int,
                  act_cfg: Optional[Dict]) -> nn.Sequential:
    """A point-wise shared layer on (B, N, C) features, channels last: a
    linear map (what a 1x1 conv computes, as one GEMM, faster on CPU than
    a (B, C, N) conv's backward) and the activation (None: none).

    Initialised as mmcv's ``ConvModule`` initialises its conv (Kaiming
    normal, fan-out, ReLU gain, zero bias): with PyTorch's default
    (bias-dominated) initialisation the untrained encoder's global
    features barely differ between shapes."""
    linear = nn.Linear(in_channels, out_channels)
    kaiming_init(linear, mode='fan_out', nonlinearity='relu', bias=0,
                 distribution='normal')
    layers: List[nn.Module] = [linear]
    if act_cfg is not None:
        layers.append(build_activation_layer(act_cfg))
    return nn.Sequential(*layers)


def local_max_pool(feats: Tensor, idx: Tensor) -> Tensor:
    """Channel-wise max over every point's neighbours: (B, N, C) of
    ``feats`` (B, N, C) and ``idx`` (B, N, k)."""
    return gather_neighbours(feats, idx).max(dim=2)[0]


@MODELS.register_module()
class FoldingNetEncoder(BaseModule):
    """FoldingNet's graph encoder, exposing point-wise, per-level and
    global features like the plugin's students.

    Per point: its xyz and the 3 x 3 covariance of its k-NN neighbourhood
    (12 channels, :func:`local_covariance`), a shared MLP
    (``mlp_channels``, 64-64-64 with ReLU), then graph layers, each a local
    max pooling over the same k-NN graph (of the input points), a linear
    layer (C -> C) and a shared point-wise layer to the layer's width
    (``graph_channels``, 128 and 1024; ReLU after every graph layer but the
    last). The point-wise layers are linear maps on channels-last
    features (:func:`shared_linear`, the 1x1 convs of the paper). The last
    layer's output is the point-wise embedding; its max over the points is
    the global feature, which a :class:`CodewordNeck` maps to the codeword
    (the published encoder ends with that MLP, 1024 -> 512 -> 512).

    Defaults follow the paper and its reference reproduction
    (antao97/UnsupervisedPointCloudReconstruction): k = 16, no
    normalisation layers.

    Args:
        in_channels (int): Channels of the input points; only the first
            three (xyz) are read. Defaults to 3.
        k (int): Neighbours of the k-NN graph (the point itself included).
        mlp_channels (Sequence[int]): Widths of the per-point MLP.
        graph_channels (Sequence[int]): Output widths of the graph layers.
        act_cfg (dict): Activation.
        init_cfg (dict, optional): Initialisation config.

    Inputs:
        points (Tensor): (B, N, in_channels).

    Returns:
        dict:

        - ``point_feats`` (B, N, graph_channels[-1]): the embedding before
          the global max (1024 channels; not passed through a ReLU, so a
          pooling of it must mask, as the plugin's VAFP does).
        - ``level_feats`` (list[Tensor]): the MLP's output (B, N,
          mlp_channels[-1]) and every graph layer's but the last, (B, N,
          graph_channels[l]).
        - ``global_feat`` (B, graph_channels[-1]): max of ``point_feats``
          over the points.
    """

    def __init__(self,
                 in_channels: int = 3,
                 k: int = 16,
                 mlp_channels: Sequence[int] = (64, 64, 64),
                 graph_channels: Sequence[int] = (128, 1024),
                 act_cfg: Dict = dict(type='ReLU'),
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if in_channels < 3:
            raise ValueError('FoldingNetEncoder reads xyz: in_channels must '
                             f'be >= 3, got {in_channels}')
        if not mlp_channels or not graph_channels:
            raise ValueError('FoldingNetEncoder needs at least one MLP layer '
                             'and one graph layer, got mlp_channels='
                             f'{tuple(mlp_channels)}, graph_channels='
                             f'{tuple(graph_channels)}')
        self.in_channels = in_channels
        self.k = k
        self.mlp = nn.Sequential()
        c_in = 12
        for c_out in mlp_channels:
            self.mlp.append(shared_linear(c_in, c_out, act_cfg))
            c_in = c_out
        self.graph_linears = nn.ModuleList()
        self.graph_mlps = nn.ModuleList()
        for i, c_out in enumerate(graph_channels):
            last = i == len(graph_channels) - 1
            self.graph_linears.append(nn.Linear(c_in, c_in))
            self.graph_mlps.append(
                shared_linear(c_in, c_out, None if last else act_cfg))
            c_in = c_out
        self.point_channels = graph_channels[-1]
        self.level_channels = [mlp_channels[-1]] + list(graph_channels[:-1])
        self.global_channels = graph_channels[-1]

    def forward(self, points: Tensor) -> Dict[str, Union[Tensor, List]]:
        if points.dim() != 3 or points.shape[-1] != self.in_channels:
            raise ValueError(f'{type(self).__name__} expects points of shape '
                             f'(B, N, {self.in_channels}), got '
                             f'{tuple(points.shape)}')
        xyz = points[..., :3].contiguous()
        idx = knn(self.k, xyz)  # (B, N, k)
        x = torch.cat([xyz, local_covariance(xyz, idx)], dim=-1)  # (B, N, 12)
        levels = [self.mlp(x)]  # (B, N, C)
        for linear, mlp in zip(self.graph_linears, self.graph_mlps):
            levels.append(mlp(linear(local_max_pool(levels[-1], idx))))
        point_feats = levels.pop()
        return dict(point_feats=point_feats, level_feats=levels,
                    global_feat=point_feats.max(dim=1)[0])


@MODELS.register_module()
class CodewordNeck(BaseModule):
    """MLP from an encoder's global feature to an auto-encoder's codeword
    (FoldingNet: 1024 -> 512 -> 512, ReLU between the layers, none after
    the last).

    Args:
        in_channels (int): Width of the global feature.
        channels (Sequence[int]): Widths of the layers; the last is the
            codeword's.
        in_key (str): Key of the (B, in_channels) global feature in the
            encoder's output dict.
        act_cfg (dict): Activation between the layers.
        init_cfg (dict, optional): Initialisation config.

    Inputs:
        feats (dict): The encoder's output, with ``in_key``.

    Returns:
        Tensor: (B, channels[-1]) codeword.
    """

    def __init__(self,
                 in_channels: int = 1024,
                 channels: Sequence[int] = (512, 512),
                 in_key: str = 'global_feat',
                 act_cfg: Dict = dict(type='ReLU'),
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not channels:
            raise ValueError('CodewordNeck needs at least one layer')
        layers: List[nn.Module] = []
        c_in = in_channels
        for i, c_out in enumerate(channels):
            if i:
                layers.append(build_activation_layer(act_cfg))
            layers.append(nn.Linear(c_in, c_out))
            c_in = c_out
        self.layers = nn.Sequential(*layers)
        self.in_channels = in_channels
        self.in_key = in_key
        self.out_channels = channels[-1]

    def forward(self, feats: Dict) -> Tensor:
        if not isinstance(feats, dict) or self.in_key not in feats:
            keys = list(feats) if isinstance(feats, dict) else \
                type(feats).__name__
            raise KeyError(f'CodewordNeck reads {self.in_key!r} from the '
                           f"encoder's output, which has {keys}")
        glob = feats[self.in_key]
        if glob.dim() != 2 or glob.shape[1] != self.in_channels:
            raise ValueError(
                f'CodewordNeck(in_channels={self.in_channels}) got '
                f'{self.in_key} of shape {tuple(glob.shape)}; set '
                f'in_channels to the encoder\'s global width (a DGCNNEncoder '
                "pools ('max', 'avg') to twice its embed_channels unless "
                "global_pool=('max', ))")
        return self.layers(glob)
