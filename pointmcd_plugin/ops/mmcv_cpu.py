"""mmcv's point ops on CPU tensors: mmdet3d's point models, unchanged, on a
laptop.

Importing ``pointmcd_plugin`` calls :func:`enable_torch_point_ops`, which
replaces mmcv's point-op functions (``furthest_point_sample``,
``furthest_point_sample_with_dist``, ``ball_query``,
``grouping_operation``, ``gather_points``, ``three_nn``,
``three_interpolate``, ``knn``) under their names, in ``mmcv.ops``, in the
mmcv modules that define them and in every already imported module that
holds them (mmdet3d's ``PointSAModule``, ``PointFPModule``, DGCNN
modules, mmcv's ``QueryAndGroup`` / ``PointsSampler``), by a dispatcher:

* every tensor argument on one CUDA device where mmcv's kernels run (the
  probe of :mod:`.dispatch`): mmcv's own function, untouched;
* otherwise (CPU tensors, or a GPU mmcv has no kernels for): the torch
  implementation of :mod:`.torch_point_ops`, same signature and results.
  ``knn`` on points with other than 3 channels always takes the torch
  path: mmcv's kernel reads three values per point and silently returns
  wrong neighbours for them (mmdet3d's DGCNN ``'F-KNN'``).

So nothing changes where mmcv already worked. Modules imported later take
the dispatcher from ``mmcv.ops``. Switch it off with the environment
variable ``POINTMCD_TORCH_POINT_OPS=0`` (read at import) or
:func:`disable_torch_point_ops`, which puts mmcv's functions back
everywhere.
"""
import importlib
import os
import sys
from typing import Callable, Dict, List, Tuple

from mmengine.logging import print_log
from torch import Tensor

from . import torch_point_ops
from .dispatch import use_mmcv_op

ENV_VAR = 'POINTMCD_TORCH_POINT_OPS'

# name -> mmcv module that defines it.
MMCV_POINT_OPS: Dict[str, str] = {
    'furthest_point_sample': 'mmcv.ops.furthest_point_sample',
    'furthest_point_sample_with_dist': 'mmcv.ops.furthest_point_sample',
    'ball_query': 'mmcv.ops.ball_query',
    'grouping_operation': 'mmcv.ops.group_points',
    'gather_points': 'mmcv.ops.gather_points',
    'three_nn': 'mmcv.ops.three_nn',
    'three_interpolate': 'mmcv.ops.three_interpolate',
    'knn': 'mmcv.ops.knn',
}

# name -> (mmcv's function, dispatcher) while enabled.
_installed: Dict[str, Tuple[Callable, Callable]] = {}


def _tensors(args, kwargs) -> List[Tensor]:
    return [a for a in (*args, *kwargs.values()) if isinstance(a, Tensor)]


def _knn_channels(args, kwargs) -> int:
    """Channels of the points of a ``knn(k, xyz, center_xyz, transposed)``
    call."""
    xyz = args[1] if len(args) > 1 else kwargs['xyz']
    transposed = args[3] if len(args) > 3 else kwargs.get('transposed',
                                                          False)
    return xyz.shape[1] if transposed else xyz.shape[-1]


def _dispatcher(name: str, mmcv_fn: Callable) -> Callable:

    def op(*args, **kwargs):
        tensors = _tensors(args, kwargs)
        # mmcv's knn kernel reads three values per point whatever the
        # channels (mmdet3d's feature-space 'F-KNN' gets wrong neighbours
        # from it without an error); those calls take the torch path.
        if tensors and use_mmcv_op(*tensors) and not (
                name == 'knn' and _knn_channels(args, kwargs) != 3):
            return mmcv_fn(*args, **kwargs)
        return getattr(torch_point_ops, name)(*args, **kwargs)

    torch_fn = getattr(torch_point_ops, name)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = (f'mmcv.ops.{name} on CUDA tensors where mmcv runs, else '
                  f'pointmcd_plugin.ops.torch_point_ops.{name}.\n\n'
                  f'{torch_fn.__doc__}')
    op.mmcv_op, op.torch_op = mmcv_fn, torch_fn
    return op


def _replace_everywhere(mapping: Dict[int, Callable]) -> int:
    """Rebind every module attribute that is one of ``mapping``'s keys
    (by id) to its value; returns how many were rebound."""
    count = 0
    for module in list(sys.modules.values()):
        namespace = getattr(module, '__dict__', None)
        if not isinstance(namespace, dict):
            continue
        for attr, value in list(namespace.items()):
            new = mapping.get(id(value))
            if new is not None and new is not value:
                namespace[attr] = new
                count += 1
    return count


def torch_point_ops_enabled() -> bool:
    """Whether mmcv's point ops currently dispatch CPU tensors to torch."""
    return bool(_installed)


def mmcv_point_ops() -> Dict[str, Callable]:
    """mmcv's own point-op functions by name, never the dispatchers (for
    comparing the torch paths with mmcv's kernels)."""
    return {name: (_installed[name][0] if name in _installed else
                   getattr(importlib.import_module(module), name))
            for name, module in MMCV_POINT_OPS.items()}


def enable_torch_point_ops() -> None:
    """Install the dispatchers (idempotent). See the module docstring."""
    if _installed:
        return
    try:
        for name, mmcv_fn in mmcv_point_ops().items():
            _installed[name] = (mmcv_fn, _dispatcher(name, mmcv_fn))
    except (ImportError, AttributeError) as e:
        _installed.clear()
        print_log(f'mmcv point ops not found ({e}); the torch CPU paths '
                  'are not installed', logger='current', level=30)
        return
    n = _replace_everywhere({id(m): d for m, d in _installed.values()})
    print_log(f'pointmcd_plugin: {len(_installed)} mmcv point ops run on '
              f'CPU tensors through torch ({n} references; '
              f'{ENV_VAR}=0 to switch off)', logger='current', level=10)


def disable_torch_point_ops() -> None:
    """Put mmcv's own functions back wherever a dispatcher was bound."""
    if not _installed:
        return
    _replace_everywhere({id(d): m for m, d in _installed.values()})
    _installed.clear()


def enable_from_env() -> None:
    """Enable unless ``POINTMCD_TORCH_POINT_OPS`` is 0 / false / off."""
    value = os.environ.get(ENV_VAR, '1').strip().lower()
    if value in ('0', 'false', 'off', 'no'):
        print_log(f'{ENV_VAR}={os.environ[ENV_VAR]}: mmcv point ops are '
                  'left as they are (CUDA only)', logger='current')
        return
    enable_torch_point_ops()
