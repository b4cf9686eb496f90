"""Let mmengine 0.10 resume and load checkpoints on torch >= 2.6.

mmengine 0.10.7 calls ``torch.load`` without ``weights_only``; torch >= 2.6
defaults it to True, and the restricted unpickler then rejects the few
non-tensor objects mmengine itself writes into a checkpoint (the message
hub's ``HistoryBuffer``, the numpy arrays and scalars inside it, and the
buffer's statistics methods, which pickle writes as
``getattr(HistoryBuffer, 'min')``). Rather than turning the safety off, we
allow-list exactly those types, and stand a ``getattr`` in for the builtin
that resolves nothing but ``HistoryBuffer``'s public methods, so a
checkpoint carrying any other object still fails to load.
"""
import pickle
from typing import Any, List

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


def history_buffer_getattr(obj: Any, name: str) -> Any:
    """``getattr`` restricted to the public methods of ``HistoryBuffer``.

    Replaces ``builtins.getattr`` while unpickling with ``weights_only``:
    mmengine's ``HistoryBuffer.__getstate__`` stores its statistics methods
    (``HistoryBuffer.min`` ...), which pickle reduces to
    ``getattr(HistoryBuffer, 'min')``. Anything else is refused.
    """
    from mmengine.logging.history_buffer import HistoryBuffer
    if not (isinstance(obj, type) and issubclass(obj, HistoryBuffer)) or \
            not isinstance(name, str) or name.startswith('_') or \
            not callable(getattr(obj, name, None)):
        raise pickle.UnpicklingError(
            f'refusing getattr({obj!r}, {name!r}) while loading a checkpoint '
            'with weights_only=True: only the public methods of mmengine\'s '
            'HistoryBuffer are allowed')
    return getattr(obj, name)


def mmengine_checkpoint_safe_globals() -> List:
    """The non-tensor types mmengine 0.10 stores in its checkpoints."""
    from mmengine.logging.history_buffer import HistoryBuffer
    return [HistoryBuffer, (history_buffer_getattr, 'builtins.getattr')
            ] + _numpy_globals()


def allow_mmengine_checkpoints() -> None:
    """Allow-list mmengine's checkpoint types for ``weights_only`` loading.

    A no-op on torch versions without ``add_safe_globals`` (< 2.4), which
    load these checkpoints anyway.
    """
    add = getattr(torch.serialization, 'add_safe_globals', None)
    if add is not None:
        add(mmengine_checkpoint_safe_globals())
