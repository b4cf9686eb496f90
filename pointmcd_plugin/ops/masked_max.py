"""Masked max of point features over the points each view sees.

``masked_view_max(feats, visibility)`` pools, for every view k of every
sample, the channel-wise maximum of the features of the points visible in
that view: ``values[b, k] = max_{n: visibility[b, n, k]} feats[b, n]``. It is
a true masked max (features may be negative), unlike the authors'
``max_n(feats * visibility)``, which is only right for non-negative features.
A view that sees no point pools to 0 and is reported in ``valid``.

Three backends give the same values and route the gradient of each pooled
value to the same point, the first (lowest index) of the points that attain
the maximum:

- ``'torch'``: any device. Loops over samples and channel chunks, so that no
  (B, K, N, C) tensor ever exists; a custom autograd function keeps only the
  (B, K, C) argmax for backward.
- ``'mmcv'``: mmcv's compiled ``dynamic_scatter`` (reduce ``'max'``) over the
  visible (point, view) pairs keyed by (sample, view). CUDA only: mmcv 2.1.0
  has no CPU kernel for it.
- ``'triton'``: a fused kernel reading the features once for all views (see
  :mod:`.triton_masked_max`). CUDA, or CPU tensors under
  ``TRITON_INTERPRET=1``.

``backend='auto'`` takes triton on CUDA when it is installed, else mmcv when
its ops run on the device, else torch; on CPU it takes torch. Asking for a
backend that cannot run raises a ``RuntimeError`` saying why; there is no
silent fallback. Features are assumed finite (no NaN or -inf).
"""
from typing import Callable, Optional, Tuple

import torch
from torch import Tensor
from torch.autograd import Function
from torch.autograd.function import once_differentiable

from .dispatch import use_mmcv_op

BACKENDS = ('auto', 'torch', 'mmcv', 'triton')

# Largest masked temporary of the torch path, in elements (4 MiB of float32).
_CHUNK_ELEMENTS = 1 << 20
# Block of the two-pass first-maximum search of the torch path (points).
_BLOCK = 32

ViewMaxKernel = Callable[[Tensor, Tensor], Tuple[Tensor, Tensor]]


def check_backend(backend: str) -> None:
    """Raise a ``ValueError`` unless ``backend`` is one of :data:`BACKENDS`."""
    if backend not in BACKENDS:
        raise ValueError(f'masked_view_max backend must be one of {BACKENDS}, '
                         f'got {backend!r}')


def _unavailable(backend: str, feats: Tensor,
                 visibility: Tensor) -> Optional[str]:
    """Why ``backend`` cannot run on these tensors, or None if it can."""
    if backend == 'mmcv':
        if feats.dtype not in (torch.float32, torch.float64):
            return ("mmcv's dynamic_scatter supports float32 and float64 "
                    f'features, got {feats.dtype}')
        if not use_mmcv_op(feats, visibility):
            return ("mmcv's dynamic_scatter has CUDA kernels only and needs "
                    'mmcv built with CUDA ops that run on the device; got '
                    f'tensors on {feats.device}')
        return None
    if backend == 'triton':
        # Imported here so that importing the package never imports triton.
        from .triton_masked_max import triton_unavailable_reason
        return triton_unavailable_reason(feats.device)
    return None


def masked_max_backends(feats: Tensor, visibility: Tensor) -> Tuple[str, ...]:
    """Backends (excluding ``'auto'``) that can run on these tensors."""
    return tuple(b for b in BACKENDS[1:]
                 if _unavailable(b, feats, visibility) is None)


def resolve_backend(backend: str, feats: Tensor, visibility: Tensor) -> str:
    """The backend that ``backend`` (possibly ``'auto'``) means for these
    tensors; raises a ``RuntimeError`` if a requested one cannot run."""
    check_backend(backend)
    if backend == 'auto':
        if feats.device.type != 'cuda':
            return 'torch'
        for candidate in ('triton', 'mmcv'):
            if _unavailable(candidate, feats, visibility) is None:
                return candidate
        return 'torch'
    reason = _unavailable(backend, feats, visibility)
    if reason is not None:
        raise RuntimeError(f'masked_view_max(backend={backend!r}) cannot run '
                           f'here: {reason}. Use backend="auto" or "torch".')
    return backend


def _check_inputs(feats: Tensor, visibility: Tensor) -> None:
    if feats.dim() != 3 or not feats.is_floating_point():
        raise ValueError('masked_view_max expects floating-point feats '
                         f'(B, N, C), got {feats.dtype} of shape '
                         f'{tuple(feats.shape)}')
    if visibility.dim() != 3 or visibility.dtype != torch.bool:
        raise ValueError('masked_view_max expects bool visibility (B, N, K), '
                         f'got {visibility.dtype} of shape '
                         f'{tuple(visibility.shape)}')
    if visibility.shape[:2] != feats.shape[:2]:
        b, n = feats.shape[:2]
        raise ValueError(f'visibility must be ({b}, {n}, K) to match feats '
                         f'{tuple(feats.shape)}, got '
                         f'{tuple(visibility.shape)}')
    if visibility.device != feats.device:
        raise ValueError(f'feats are on {feats.device} but visibility is on '
                         f'{visibility.device}')


def torch_view_max(feats: Tensor, visibility: Tensor) -> Tuple[Tensor, Tensor]:
    """Masked view max and its argmax in plain torch, without autograd.

    The features are transposed to (C, N) a block of samples at a time and
    pooled over all views a block of channels at a time (several whole
    samples per block when they are small, for fewer op calls). Hidden
    points are masked by adding -inf (hence finite features), into one
    reused buffer: fresh large allocations cost page faults on every touch.
    The point axis is padded to a multiple of ``_BLOCK`` (masked) for the
    two-pass maximum of :func:`_first_max`. The temporaries are that buffer, about ``max(_CHUNK_ELEMENTS, K * N)``
    elements, and the transposed block (one sample's N * C, or several
    samples' when they fit in the chunk).

    Args:
        feats (Tensor): (B, N, C) features.
        visibility (Tensor): (B, N, K) bool.

    Returns:
        tuple[Tensor, Tensor]: ``values`` (B, K, C), 0 for empty views, and
        ``argmax`` (B, K, C) int64 point indices, -1 for empty views.
    """
    num_samples, num_points, channels = feats.shape
    num_views = visibility.shape[-1]
    values = feats.new_empty(num_samples, num_views, channels)
    argmax = torch.empty_like(values, dtype=torch.int64)
    padded = -(-num_points // _BLOCK) * _BLOCK  # N rounded up to blocks
    hidden = ~visibility.transpose(1, 2)[:, :, None, :]  # (B, K, 1, N)
    mask = feats.new_full(hidden.shape[:-1] + (padded, ), float('-inf'))
    mask[..., :num_points].masked_fill_(~hidden, 0)  # 0 where visible
    per_channel = max(1, num_views * padded)
    step_c = min(channels, max(1, _CHUNK_ELEMENTS // per_channel))
    step_b = 1 if step_c < channels else max(
        1, _CHUNK_ELEMENTS // (per_channel * max(1, channels)))
    step_b = max(1, min(step_b, num_samples))
    feats_t = feats.new_zeros(step_b, channels, padded)
    masked = feats.new_empty(step_b, num_views, step_c, padded)
    for b0 in range(0, num_samples, step_b):
        nb = min(step_b, num_samples - b0)
        b = slice(b0, b0 + nb)
        # (nb, C, N); the padding columns stay 0 (masked by -inf).
        feats_t[:nb, :, :num_points].copy_(feats[b].transpose(1, 2))
        for c0 in range(0, channels, step_c):
            nc = min(step_c, channels - c0)
            c = slice(c0, c0 + nc)
            out = masked[:nb, :, :nc]  # (nb, K, nc, N padded)
            torch.add(feats_t[:nb, None, c], mask[b], out=out)
            values[b, :, c], argmax[b, :, c] = _first_max(out)
    empty = ~visibility.any(dim=1)[:, :, None]  # (B, K, 1)
    return values.masked_fill_(empty, 0), argmax.masked_fill_(empty, -1)


def _first_max(x: Tensor) -> Tuple[Tensor, Tensor]:
    """``x.max(dim=-1)`` (values and the first maximum's index) of a
    contiguous x whose last dimension is a multiple of ``_BLOCK``, in two
    passes: the maxima of consecutive blocks of ``_BLOCK`` elements
    (``amax``, vectorised), the first block holding each row's maximum,
    then the first maximum inside that block alone. No earlier block holds
    the maximum, so the index is the first one. torch's max-with-index
    reduction is several times slower than ``amax`` on CPU; here it runs
    over 1 / _BLOCK of the elements plus one block per row (timings:
    ``tools/benchmark_vafp.py``, docs/benchmarks.md)."""
    rows = x.shape[:-1]
    blocks = x.reshape(-1, x.shape[-1] // _BLOCK, _BLOCK)  # (R, L / B, B)
    values, block = blocks.amax(dim=-1).max(dim=-1)  # (R, )
    first = torch.arange(len(block), device=x.device) * blocks.shape[1]
    inside = blocks.flatten(0, 1).index_select(0, first + block)  # (R, B)
    index = block * _BLOCK + inside.max(dim=-1)[1]
    return values.view(rows), index.view(rows)


class _ViewMaxFunction(Function):
    """Masked view max whose backward sends each output gradient to the
    argmax point; only the (B, K, C) argmax is saved."""

    @staticmethod
    def forward(ctx, feats: Tensor, visibility: Tensor,
                kernel: ViewMaxKernel) -> Tensor:
        values, argmax = kernel(feats, visibility)
        ctx.save_for_backward(argmax)
        ctx.num_points = feats.shape[1]
        return values

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_values: Tensor) -> Tuple[Tensor, None, None]:
        argmax, = ctx.saved_tensors
        num_samples, _, channels = argmax.shape
        grad_feats = grad_values.new_zeros(num_samples, ctx.num_points,
                                           channels)
        empty = argmax < 0
        # scatter_add: several views may pick the same point and channel.
        grad_feats.scatter_add_(1, argmax.masked_fill(empty, 0),
                                grad_values.masked_fill(empty, 0))
        return grad_feats, None, None


def mmcv_view_max(feats: Tensor, visibility: Tensor) -> Tensor:
    """Masked view max through ``mmcv.ops.dynamic_scatter`` (differentiable).

    Every visible (point, view) pair becomes one row, keyed by (sample,
    view); dynamic_scatter max-reduces the rows of each key (keys come back
    unique and sorted, only for views with at least one point). Rows are
    listed in (sample, point, view) order, so within a view the points come
    by increasing index, and mmcv's backward, which gives each gradient to
    the lowest row attaining the maximum, picks the same point as the other
    backends. The (P, C) gathered rows (P visible pairs) are kept by mmcv
    for backward: memory grows with the visible fraction of B * N * K * C.

    Args:
        feats (Tensor): (B, N, C) float32/float64 CUDA features.
        visibility (Tensor): (B, N, K) bool.

    Returns:
        Tensor: (B, K, C) pooled values, 0 for empty views.
    """
    from mmcv.ops import dynamic_scatter
    num_samples, _, channels = feats.shape
    num_views = visibility.shape[-1]
    sample, point, view = visibility.nonzero(as_tuple=True)
    keys = torch.stack([sample, view], dim=1).int()
    pooled, pooled_keys = dynamic_scatter(feats[sample, point].contiguous(),
                                          keys, 'max')
    rows = pooled_keys[:, 0].long() * num_views + pooled_keys[:, 1].long()
    values = feats.new_zeros(num_samples * num_views, channels)
    values = values.index_put((rows, ), pooled)
    return values.view(num_samples, num_views, channels)


def masked_view_max(feats: Tensor,
                    visibility: Tensor,
                    backend: str = 'auto') -> Tuple[Tensor, Tensor]:
    """Channel-wise max of the features of the points each view sees.

    Args:
        feats (Tensor): (B, N, C) floating-point point features (finite).
        visibility (Tensor): (B, N, K) bool, whether point n is visible in
            view k.
        backend (str): ``'auto'``, ``'torch'``, ``'mmcv'`` or ``'triton'``
            (see the module docstring). Defaults to ``'auto'``.

    Returns:
        tuple[Tensor, Tensor]: ``values`` (B, K, C) in feats' dtype, 0 for
        views that see no point (with zero gradient), and ``valid`` (B, K)
        bool, whether the view sees at least one point.

    Raises:
        ValueError: On malformed inputs or an unknown backend.
        RuntimeError: When the requested backend cannot run on the inputs.
    """
    _check_inputs(feats, visibility)
    backend = resolve_backend(backend, feats, visibility)
    valid = visibility.any(dim=1)
    if backend == 'mmcv':
        return mmcv_view_max(feats, visibility), valid
    if backend == 'triton':
        from .triton_masked_max import triton_view_max as kernel
    else:
        kernel = torch_view_max
    return _ViewMaxFunction.apply(feats, visibility, kernel), valid
