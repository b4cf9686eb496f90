"""Whether mmcv's compiled point ops can run on a device.

mmcv has ``get_compiling_cuda_version()`` to ask how it was built, but on
CUDA 13 (mmcv 2.1.0 built with ``FORCE_CUDA=1`` against torch 2.11+cu130,
H100) that call, and ``get_compiler_version()``, segfault the process while
the kernels themselves work. So we never call them: we ask the kernel. The
first time a point op meets a device, mmcv's own ``knn`` (its original
forward, see :func:`.mmcv_cpu.mmcv_point_ops`) runs once on a one-point
cloud there. A CPU-only build answers with mmcv's "implementation
for device cuda not found" error, a build without kernels for this GPU's
architecture with "no kernel image is available"; both mean "use the torch
path". The answer is cached per device.
"""
import functools
from typing import Optional, Union

import torch
from mmengine.logging import print_log


def _probe_knn(device: torch.device) -> Optional[str]:
    """Run mmcv's ``knn`` kernel on ``device``: None if it works, else why
    not."""
    try:
        # mmcv's own forward, never the plugin's: ``KNN.forward`` may be
        # the dispatching one of mmcv_cpu.py, which would answer through
        # torch on any device and ask this probe again (recursion).
        from .mmcv_cpu import mmcv_point_ops
        mmcv_knn = mmcv_point_ops()['knn']
    except (ImportError, AttributeError) as e:  # mmcv-lite, broken build
        return f'mmcv.ops does not import ({e})'
    try:
        if device.type == 'cuda' and device.index is None:
            device = torch.device('cuda', torch.cuda.current_device())
        xyz = torch.zeros(1, 1, 3, device=device)
        idx = mmcv_knn(1, xyz, xyz)
        if device.type == 'cuda':
            torch.cuda.synchronize(device)
        if idx.shape != (1, 1, 1) or int(idx.reshape(-1)[0]) != 0:
            return f'mmcv.ops.knn gave {idx.tolist()} on a one-point cloud'
    # mmcv raises RuntimeError for a device it has no kernel for, and its
    # Python wrappers assert on devices; either way: not usable here.
    except Exception as e:  # noqa: BLE001
        return (str(e).strip().splitlines() or [type(e).__name__])[0]
    return None


@functools.lru_cache(maxsize=None)
def _runs_on(device: torch.device) -> bool:
    reason = _probe_knn(device)
    if reason is not None and device.type == 'cuda':
        print_log(f'mmcv point ops do not run on {device} ({reason}); '
                  'using the torch implementations there', logger='current')
    return reason is None


def mmcv_op_runs_on(device: Union[str, torch.device]) -> bool:
    """Whether mmcv's compiled point ops run on ``device``.

    Probes the kernel itself (see the module docstring) the first time it is
    asked about a device (``'cuda:0'`` and ``torch.device('cuda', 0)`` are
    one device; ``'cuda'`` is the current one, asked separately) and logs,
    once, why mmcv's ops are not used there. Never calls
    ``mmcv.ops.get_compiling_cuda_version``.
    """
    return _runs_on(torch.device(device))


mmcv_op_runs_on.cache_clear = _runs_on.cache_clear


def mmcv_cuda_ops_available() -> bool:
    """Whether mmcv's compiled CUDA point ops run on this machine's current
    GPU (False without a GPU)."""
    return torch.cuda.is_available() and mmcv_op_runs_on('cuda')


def use_mmcv_op(*tensors: torch.Tensor) -> bool:
    """True when every tensor is on the same CUDA device and mmcv's CUDA
    ops run there."""
    devices = {t.device for t in tensors}
    if len(devices) != 1:
        return False
    device = devices.pop()
    return device.type == 'cuda' and mmcv_op_runs_on(device)
