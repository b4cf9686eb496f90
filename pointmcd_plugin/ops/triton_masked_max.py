"""Fused triton kernel for the masked view max (forward with argmax).

One program handles one sample and a block of ``BLOCK_C`` channels. It walks
the sample's points in tiles of ``BLOCK_N``, loads each feature tile once,
and updates the running maxima and argmaxes of all K views together (a
(K_PAD, BLOCK_C) register block, K_PAD = K rounded up to a power of two).
Extra memory is the (B, K, C) values and argmax. Ties go to the lowest point
index, as in the torch and mmcv backends. The backward (a scatter of the
gradients to the argmax) is shared with the torch backend.

Triton is imported when this module is: :mod:`.masked_max` imports it only
when the triton backend is asked for, so the package imports without it.
On CPU tensors the kernel runs in triton's interpreter, which needs
``TRITON_INTERPRET=1`` in the environment before triton is imported.
"""
import contextlib
import os
from typing import Optional, Tuple

import torch
from torch import Tensor

try:
    import triton
    import triton.language as tl
except ImportError:  # the backend is then reported unavailable
    triton = None

# Elements of the (BLOCK_N, K_PAD, BLOCK_C) tile one program masks at a time.
_TILE_ELEMENTS = 4096
_BLOCK_C = 32


def triton_unavailable_reason(device: torch.device) -> Optional[str]:
    """Why the triton kernel cannot run on ``device``, or None if it can."""
    if triton is None:
        return 'triton is not installed'
    if device.type == 'cuda':
        return None
    if device.type == 'cpu' and os.environ.get('TRITON_INTERPRET') == '1':
        return None
    return (f'triton kernels run on CUDA tensors, got tensors on {device} '
            '(CPU tensors only in the interpreter: TRITON_INTERPRET=1 set '
            'before triton is imported)')


if triton is not None:

    @triton.jit
    def _masked_view_max_kernel(feats_ptr, vis_ptr, values_ptr, argmax_ptr,
                                num_points, channels, K: tl.constexpr,
                                K_PAD: tl.constexpr, BLOCK_N: tl.constexpr,
                                BLOCK_C: tl.constexpr):
        sample = tl.program_id(0).to(tl.int64)
        rc = tl.program_id(1) * BLOCK_C + tl.arange(0, BLOCK_C)
        rk = tl.arange(0, K_PAD)
        rn = tl.arange(0, BLOCK_N)
        c_ok = rc < channels
        k_ok = rk < K
        feats_ptr += sample * num_points * channels
        vis_ptr += sample * num_points * K
        run_max = tl.full((K_PAD, BLOCK_C), float('-inf'),
                          feats_ptr.dtype.element_ty)
        run_arg = tl.full((K_PAD, BLOCK_C), -1, tl.int32)
        for n0 in range(0, num_points, BLOCK_N):
            n = n0 + rn
            n_ok = n < num_points
            x = tl.load(feats_ptr + n[:, None] * channels + rc[None, :],
                        mask=n_ok[:, None] & c_ok[None, :],
                        other=float('-inf'))  # (BLOCK_N, BLOCK_C)
            seen = tl.load(vis_ptr + n[:, None] * K + rk[None, :],
                           mask=n_ok[:, None] & k_ok[None, :],
                           other=0) != 0  # (BLOCK_N, K_PAD)
            masked = tl.where(seen[:, :, None], x[:, None, :], float('-inf'))
            tile_max, tile_arg = tl.max(masked, axis=0, return_indices=True,
                                        return_indices_tie_break_left=True)
            # (K_PAD, BLOCK_C) maxima (back from fp32 for half types, exact)
            # and their points.
            tile_max = tile_max.to(run_max.dtype)
            tile_arg += n0
            tile_seen = tl.max(seen.to(tl.int32), axis=0) > 0  # (K_PAD,)
            # Strictly greater: an earlier tile keeps its tie.
            better = (tile_max > run_max) | ((run_arg < 0) &
                                             tile_seen[:, None])
            run_max = tl.where(better, tile_max, run_max)
            run_arg = tl.where(better, tile_arg, run_arg)
        out = sample * K * channels + rk[:, None] * channels + rc[None, :]
        out_ok = k_ok[:, None] & c_ok[None, :]
        tl.store(values_ptr + out, tl.where(run_arg >= 0, run_max, 0),
                 mask=out_ok)
        tl.store(argmax_ptr + out, run_arg.to(tl.int64), mask=out_ok)


def triton_view_max(feats: Tensor,
                    visibility: Tensor) -> Tuple[Tensor, Tensor]:
    """Masked view max and its argmax with the fused kernel, no autograd.

    Args:
        feats (Tensor): (B, N, C) features (CUDA, or CPU when interpreted).
        visibility (Tensor): (B, N, K) bool.

    Returns:
        tuple[Tensor, Tensor]: ``values`` (B, K, C), 0 for empty views, and
        ``argmax`` (B, K, C) int64 point indices, -1 for empty views.
    """
    reason = triton_unavailable_reason(feats.device)
    if reason is not None:
        raise RuntimeError(f'triton masked view max: {reason}')
    num_samples, num_points, channels = feats.shape
    num_views = visibility.shape[-1]
    feats = feats.contiguous()
    vis = visibility.contiguous().view(torch.uint8)
    values = feats.new_empty(num_samples, num_views, channels)
    argmax = torch.empty_like(values, dtype=torch.int64)
    k_pad = triton.next_power_of_2(num_views)
    block_n = max(1, _TILE_ELEMENTS // (k_pad * _BLOCK_C))  # power of 2
    grid = (num_samples, triton.cdiv(channels, _BLOCK_C))
    guard = (torch.cuda.device(feats.device) if feats.is_cuda else
             contextlib.nullcontext())
    with guard:
        _masked_view_max_kernel[grid](feats, vis, values, argmax, num_points,
                                      channels, K=num_views, K_PAD=k_pad,
                                      BLOCK_N=block_n, BLOCK_C=_BLOCK_C)
    return values, argmax
