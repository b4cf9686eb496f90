import functools

import torch


@functools.lru_cache(maxsize=None)
def _mmcv_compiled_with_cuda() -> bool:
    try:
        from mmcv.ops import get_compiling_cuda_version
    except ImportError:  # mmcv-lite or a broken build
        return False
    return get_compiling_cuda_version() not in ('', 'not available')


def mmcv_cuda_ops_available() -> bool:
    """Whether mmcv's compiled CUDA point ops can run on this machine."""
    return torch.cuda.is_available() and _mmcv_compiled_with_cuda()


def use_mmcv_op(*tensors: torch.Tensor) -> bool:
    """True when every tensor is on CUDA and mmcv's CUDA ops are usable."""
    return all(t.is_cuda for t in tensors) and _mmcv_compiled_with_cuda()
