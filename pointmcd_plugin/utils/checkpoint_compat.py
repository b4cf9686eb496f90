"""Let mmengine 0.10 resume and load checkpoints on torch >= 2.6.

mmengine 0.10.7 calls ``torch.load`` without ``weights_only``; torch >= 2.6
defaults it to True, and the restricted unpickler then rejects the few
non-tensor objects mmengine itself writes into a checkpoint (the message
hub's ``HistoryBuffer`` and the numpy arrays and scalars inside it). Rather
than turning the safety off, we allow-list exactly those types, so a
checkpoint carrying any other object still fails to load.
"""
from typing import List

import numpy as np
import torch


def _numpy_globals() -> List:
    try:  # numpy >= 2
        from numpy._core.multiarray import _reconstruct, scalar
    except ImportError:  # numpy 1.x
        from numpy.core.multiarray import _reconstruct, scalar
    dtype_classes = [type(np.dtype(t)) for t in (
        np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8,
        np.uint16, np.uint32, np.uint64, np.float16, np.float32,
        np.float64)]
    return [_reconstruct, scalar, np.ndarray, np.dtype] + dtype_classes


def mmengine_checkpoint_safe_globals() -> List:
    """The non-tensor types mmengine 0.10 stores in its checkpoints."""
    from mmengine.logging.history_buffer import HistoryBuffer
    return [HistoryBuffer] + _numpy_globals()


def allow_mmengine_checkpoints() -> None:
    """Allow-list mmengine's checkpoint types for ``weights_only`` loading.

    A no-op on torch versions without ``add_safe_globals`` (< 2.4), which
    load these checkpoints anyway.
    """
    add = getattr(torch.serialization, 'add_safe_globals', None)
    if add is not None:
        add(mmengine_checkpoint_safe_globals())
