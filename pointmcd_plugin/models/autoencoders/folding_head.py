"""FoldingNet's decoder as a head: codeword -> two foldings of a 2-D grid
-> reconstructed points, with the Chamfer loss and the prediction."""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmdet3d.registry import MODELS
from mmengine.model import BaseModule
from torch import Tensor, nn

# Stands for mmpretrain's ``DataSample`` (what PackPointInputs packs).
SampleList = List


def folding_grid(size: Sequence[int] = (45, 45),
                 ranges: Sequence[Sequence[float]] = ((-0.3, 0.3),
                                                      (-0.3, 0.3))
                 ) -> Tensor:
    """The 2-D grid the decoder folds, (size[0] * size[1], 2) float32.

    ``size[0]`` values evenly spaced over ``ranges[0]`` (u) times
    ``size[1]`` over ``ranges[1]`` (v), both ends included, in row-major
    order with v varying fastest: point ``i`` is
    ``(u[i // size[1]], v[i % size[1]])``, the order of
    ``itertools.product(u, v)`` in the FoldingNet reproductions. Default:
    45 x 45 = 2025 points on [-0.3, 0.3]^2.
    """
    if len(size) != 2 or min(size) < 1 or len(ranges) != 2:
        raise ValueError('folding_grid: size must be two positive counts and '
                         f'ranges two (low, high) pairs, got {size}, {ranges}')
    u = torch.linspace(float(ranges[0][0]), float(ranges[0][1]), int(size[0]))
    v = torch.linspace(float(ranges[1][0]), float(ranges[1][1]), int(size[1]))
    uu, vv = torch.meshgrid(u, v, indexing='ij')
    return torch.stack([uu.reshape(-1), vv.reshape(-1)], dim=1)


class FoldingMLP(nn.Module):
    """One folding: a shared MLP (point-wise linear layers, ReLU between)
    of the codeword concatenated to every point of a (B, M, c) point set,
    to (B, M, 3); channels last (the paper's 1x1 convs as GEMMs, faster on
    CPU than a (B, C, M) conv's backward).

    The first layer of ``[codeword; point]`` is computed factored, ``W_c c
    + W_p p + b`` with ``W = [W_c, W_p]``: ``W_c c`` once per shape instead
    of once per point (the same numbers as the layer on the concatenation,
    and the same parameters, ``layers.{i}.weight`` (C_out, C_in)).

    Args:
        codeword_channels (int): D, width of the codeword.
        point_channels (int): c, channels of the folded points (2 for the
            grid, 3 for a previous folding's output).
        mid_channels (int): Width of the hidden layers.
        num_layers (int): Layers (the last maps to 3). Defaults to 3.
    """

    def __init__(self, codeword_channels: int, point_channels: int,
                 mid_channels: int, num_layers: int = 3) -> None:
        super().__init__()
        if num_layers < 2:
            raise ValueError(f'FoldingMLP needs >= 2 layers, got {num_layers}')
        widths = [codeword_channels + point_channels] + \
            [mid_channels] * (num_layers - 1) + [3]
        self.layers = nn.ModuleList(
            nn.Linear(c_in, c_out)
            for c_in, c_out in zip(widths[:-1], widths[1:]))
        self.codeword_channels = codeword_channels

    def forward(self, codeword: Tensor, points: Tensor) -> Tensor:
        """(B, M, 3) of ``codeword`` (B, D) and ``points`` (B, M, c) (or
        (M, c), shared by the batch)."""
        first = self.layers[0]
        w_code = first.weight[:, :self.codeword_channels]
        w_point = first.weight[:, self.codeword_channels:]
        per_shape = F.linear(codeword, w_code, first.bias)  # (B, C')
        x = F.linear(points, w_point) + per_shape.unsqueeze(1)  # (B, M, C')
        for layer in self.layers[1:]:
            x = layer(F.relu(x))
        return x


@MODELS.register_module()
class FoldingHead(BaseModule):
    """FoldingNet's decoder: the codeword, replicated over a fixed 2-D
    grid (:func:`folding_grid`, 45 x 45 on [-0.3, 0.3]^2 by default), is
    folded into 3-D by one shared MLP and the result folded again by a
    second (:class:`FoldingMLP`, each 3 layers: D + 2 -> mid -> mid -> 3,
    then D + 3 -> mid -> mid -> 3). It owns the reconstruction loss
    (``loss_chamfer``, :class:`ChamferLoss` of the reconstruction to the
    input points) and the prediction (reconstruction and codeword in the
    data samples).

    Args:
        in_channels (int): D, width of the codeword. Defaults to 512.
        grid_size (Sequence[int]): Grid points along u and v (M is their
            product). Defaults to (45, 45).
        grid_range (Sequence[Sequence[float]]): (low, high) of u and v.
            Defaults to [-0.3, 0.3] for both.
        mid_channels (int, optional): Hidden width of the foldings.
            Defaults to ``in_channels`` (as published).
        loss (dict): Reconstruction loss config, called as
            ``loss(reconstruction (B, M, 3), target (B, N, 3))``.
        init_cfg (dict, optional): Initialisation config.

    Inputs:
        codeword (Tensor): (B, D).

    Returns (``forward``):
        Tensor: (B, M, 3) reconstructed points, in the grid's order.
    """

    def __init__(self,
                 in_channels: int = 512,
                 grid_size: Sequence[int] = (45, 45),
                 grid_range: Sequence[Sequence[float]] = ((-0.3, 0.3),
                                                          (-0.3, 0.3)),
                 mid_channels: Optional[int] = None,
                 loss: Dict = dict(type='ChamferLoss'),
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        mid = in_channels if mid_channels is None else mid_channels
        self.in_channels = in_channels
        self.grid_size: Tuple[int, int] = tuple(int(s) for s in grid_size)
        self.register_buffer('grid', folding_grid(grid_size, grid_range),
                             persistent=False)
        self.fold1 = FoldingMLP(in_channels, 2, mid)
        self.fold2 = FoldingMLP(in_channels, 3, mid)
        self.loss_module = MODELS.build(loss)

    @property
    def num_points(self) -> int:
        """M, points of the reconstruction."""
        return self.grid.shape[0]

    def forward(self, codeword: Tensor) -> Tensor:
        if codeword.dim() != 2 or codeword.shape[1] != self.in_channels:
            raise ValueError(
                f'FoldingHead(in_channels={self.in_channels}) expects a '
                f'(B, {self.in_channels}) codeword, got '
                f'{tuple(codeword.shape)}')
        grid = self.grid.to(codeword.dtype)  # (M, 2), shared
        folded = self.fold1(codeword, grid)  # (B, M, 3)
        return self.fold2(codeword, folded)  # (B, M, 3)

    def loss(self, codeword: Tensor, target: Tensor) -> Dict[str, Tensor]:
        """``loss_chamfer`` of the reconstruction to ``target`` (B, N, 3)
        (the input points' xyz)."""
        if target.dim() != 3 or target.shape[-1] != 3:
            raise ValueError('FoldingHead.loss expects target points (B, N, '
                             f'3), got {tuple(target.shape)}')
        return dict(loss_chamfer=self.loss_module(self(codeword), target))

    def predict(self, codeword: Tensor,
                data_samples: Optional[SampleList] = None) -> SampleList:
        """Add to every data sample (new mmpretrain ``DataSample`` objects
        when None are given):

        - ``pred_points`` (M, 3): the reconstruction, in the grid's order;
        - ``codeword`` (D,): the shape's codeword (what a linear-SVM probe
          such as :class:`LinearSVMMetric` reads).
        """
        recon = self(codeword)
        if data_samples is None:
            from mmpretrain.structures import DataSample
            data_samples = [DataSample() for _ in range(len(codeword))]
        if len(data_samples) != len(codeword):
            raise ValueError(f'FoldingHead.predict: {len(data_samples)} data '
                             f'samples for {len(codeword)} codewords')
        for sample, points, code in zip(data_samples, recon, codeword):
            sample.set_field(points.detach(), 'pred_points',
                             dtype=torch.Tensor)
            sample.set_field(code.detach(), 'codeword', dtype=torch.Tensor)
        return data_samples
