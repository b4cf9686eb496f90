"""mmcv's point ops on CPU tensors: mmdet3d's point models, unchanged, on a
laptop.

mmcv's point ops are autograd Functions (``ball_query = BallQuery.apply``
and so on) whose ``forward`` calls a CUDA kernel. Importing
``pointmcd_plugin`` calls :func:`enable_torch_point_ops`, which replaces
the ``forward`` of mmcv's classes ``FurthestPointSampling``,
``FurthestPointSamplingWithDist``, ``BallQuery`` (dense and stacked),
``GroupingOperation`` (dense and stacked), ``GatherPoints``, ``ThreeNN``,
``ThreeInterpolate`` and ``KNN``, and the ``backward`` of the three
differentiable ones, by a forward that decides per call:

* every tensor argument on one CUDA device where mmcv's kernels run (the
  probe of :mod:`.dispatch`): mmcv's own forward (and backward), as if
  nothing were installed;
* otherwise (CPU tensors, or a GPU mmcv has no kernels for): the torch
  implementation of :mod:`.torch_point_ops`, same arguments and results
  (for the differentiable ops the gradient of
  ``torch_point_ops.*_backward``). ``knn`` on points with other than 3
  channels always takes the torch path: mmcv's kernel reads three values
  per point and silently returns wrong neighbours for them (mmdet3d's
  DGCNN ``'F-KNN'``).

A bound ``Function.apply`` looks ``forward`` / ``backward`` up on its class
at call time, so every reference to mmcv's ops takes this path, whenever
it was made: ``mmcv.ops.ball_query``, ``from mmcv.ops import ball_query``
before or after the plugin, ``X = BallQuery.apply``, class attributes,
default arguments, closures. mmcv's functions themselves stay in place, so
they, and modules holding them, pickle as before (``torch.save(model)``,
spawned workers).

Switch it off with the environment variable ``POINTMCD_TORCH_POINT_OPS=0``
(read when ``pointmcd_plugin`` is imported) or
:func:`disable_torch_point_ops`, which puts mmcv's own ``forward`` /
``backward`` objects back on the classes (the very objects). A graph
recorded on CPU tensors while enabled needs the plugin still enabled for
its backward.
"""
import functools
import importlib
import os
import sys
from typing import Any, Callable, Dict, List, Optional, Tuple

from mmengine.logging import print_log
from torch import Tensor

from . import torch_point_ops
from .dispatch import use_mmcv_op

ENV_VAR = 'POINTMCD_TORCH_POINT_OPS'

# op name -> (mmcv module, autograd Function class there).
MMCV_FUNCTIONS: Dict[str, Tuple[str, str]] = {
    'furthest_point_sample': ('mmcv.ops.furthest_point_sample',
                              'FurthestPointSampling'),
    'furthest_point_sample_with_dist': ('mmcv.ops.furthest_point_sample',
                                        'FurthestPointSamplingWithDist'),
    'ball_query': ('mmcv.ops.ball_query', 'BallQuery'),
    'grouping_operation': ('mmcv.ops.group_points', 'GroupingOperation'),
    'gather_points': ('mmcv.ops.gather_points', 'GatherPoints'),
    'three_nn': ('mmcv.ops.three_nn', 'ThreeNN'),
    'three_interpolate': ('mmcv.ops.three_interpolate', 'ThreeInterpolate'),
    'knn': ('mmcv.ops.knn', 'KNN'),
}
# op name -> mmcv module that defines it (``mmcv.ops.<name>`` is
# ``<Function>.apply`` there).
MMCV_POINT_OPS: Dict[str, str] = {
    name: module
    for name, (module, _) in MMCV_FUNCTIONS.items()
}
_DIFFERENTIABLE = ('grouping_operation', 'gather_points', 'three_interpolate')

# Attribute of the plugin's forward / backward holding mmcv's own class
# attribute (the staticmethod object) it replaced.
_ORIGINAL = '_pointmcd_mmcv_original'
_MISSING = object()


# ------------------------------------------------------------ torch paths
def _mark_int_outputs(ctx, out):
    for t in (out if isinstance(out, tuple) else (out, )):
        if isinstance(t, Tensor) and not t.dtype.is_floating_point:
            ctx.mark_non_differentiable(t)
    return out


def _index_forward(name: str) -> Callable:
    """Torch forward of an op with index outputs and no gradient."""

    def forward(ctx, *args, **kwargs):
        op = getattr(torch_point_ops, name)  # at call time (tests patch it)
        return _mark_int_outputs(ctx, op(*args, **kwargs))

    return forward


def _grouping_forward(ctx, features, indices, *batch_cnt):
    # mmcv's signature: (features, indices, features_batch_cnt=None,
    # indices_batch_cnt=None); stacked when both counts are given.
    f_cnt, i_cnt = (tuple(batch_cnt) + (None, None))[:2]
    stacked = f_cnt is not None and i_cnt is not None
    if not stacked:
        f_cnt = i_cnt = None
    ctx.pointmcd_for_backward = (indices, features.shape[0 if stacked else 2],
                                 f_cnt, i_cnt)
    ctx.pointmcd_num_inputs = 2 + len(batch_cnt)
    return torch_point_ops.grouping_operation(features, indices, f_cnt,
                                              i_cnt)


def _grouping_backward(ctx, grad_out):
    indices, n, f_cnt, i_cnt = ctx.pointmcd_for_backward
    grad = torch_point_ops.grouping_operation_backward(
        grad_out.contiguous(), indices, n, f_cnt, i_cnt)
    return (grad, ) + (None, ) * (ctx.pointmcd_num_inputs - 1)


def _gather_forward(ctx, features, indices):
    ctx.pointmcd_for_backward = (indices, features.shape[2])
    return torch_point_ops.gather_points(features, indices)


def _gather_backward(ctx, grad_out):
    indices, n = ctx.pointmcd_for_backward
    return torch_point_ops.gather_points_backward(grad_out, indices,
                                                  n), None


def _three_interpolate_forward(ctx, features, indices, weight):
    ctx.pointmcd_for_backward = (indices, weight, features.shape[2])
    return torch_point_ops.three_interpolate(features, indices, weight)


def _three_interpolate_backward(ctx, grad_out):
    indices, weight, m = ctx.pointmcd_for_backward
    return torch_point_ops.three_interpolate_backward(
        grad_out, indices, weight, m), None, None


# op name -> (torch forward(ctx, *args), torch backward(ctx, *grads) or
# None for ops without gradient).
_TORCH_PATHS: Dict[str, Tuple[Callable, Optional[Callable]]] = {
    'furthest_point_sample': (_index_forward('furthest_point_sample'), None),
    'furthest_point_sample_with_dist':
    (_index_forward('furthest_point_sample_with_dist'), None),
    'ball_query': (_index_forward('ball_query'), None),
    'three_nn': (_index_forward('three_nn'), None),
    'knn': (_index_forward('knn'), None),
    'grouping_operation': (_grouping_forward, _grouping_backward),
    'gather_points': (_gather_forward, _gather_backward),
    'three_interpolate': (_three_interpolate_forward,
                          _three_interpolate_backward),
}


# ------------------------------------------------------------- dispatch
def _tensors(args, kwargs) -> List[Tensor]:
    return [a for a in (*args, *kwargs.values()) if isinstance(a, Tensor)]


def _knn_channels(args, kwargs) -> int:
    """Channels of the points of a ``KNN.forward(ctx, k, xyz, center_xyz,
    transposed)`` call (``args`` without ctx)."""
    xyz = args[1] if len(args) > 1 else kwargs['xyz']
    transposed = args[3] if len(args) > 3 else kwargs.get('transposed',
                                                          False)
    return xyz.shape[1] if transposed else xyz.shape[-1]


def takes_mmcv_path(name: str, args: tuple, kwargs: dict) -> bool:
    """Whether a call of mmcv's op ``name`` with these arguments runs
    mmcv's kernel (else the torch path)."""
    tensors = _tensors(args, kwargs)
    # mmcv's knn kernel reads three values per point whatever the
    # channels (mmdet3d's feature-space 'F-KNN' gets wrong neighbours from
    # it without an error); those calls take the torch path.
    return bool(tensors) and use_mmcv_op(*tensors) and not (
        name == 'knn' and _knn_channels(args, kwargs) != 3)


def _func(entry: Any) -> Any:
    return entry.__func__ if isinstance(entry, staticmethod) else entry


def _original(cls: type, attr: str) -> Any:
    """mmcv's own class attribute ``attr`` of ``cls`` (the object in its
    ``__dict__``, or ``_MISSING``), patched or not."""
    entry = cls.__dict__.get(attr, _MISSING)
    return getattr(_func(entry), _ORIGINAL, entry)


def _is_patched(cls: type, attr: str) -> bool:
    return hasattr(_func(cls.__dict__.get(attr)), _ORIGINAL)


def _patched_forward(name: str, cls: type) -> Callable:
    mmcv_forward = getattr(cls, 'forward')
    torch_forward = _TORCH_PATHS[name][0]

    @functools.wraps(mmcv_forward)
    def forward(ctx, *args, **kwargs):
        if takes_mmcv_path(name, args, kwargs):
            ctx.pointmcd_torch_path = False
            return mmcv_forward(ctx, *args, **kwargs)
        ctx.pointmcd_torch_path = True
        return torch_forward(ctx, *args, **kwargs)

    setattr(forward, _ORIGINAL, cls.__dict__.get('forward', _MISSING))
    forward.pointmcd_torch_forward = torch_forward
    return forward


def _patched_backward(name: str, cls: type) -> Callable:
    mmcv_backward = getattr(cls, 'backward')
    torch_backward = _TORCH_PATHS[name][1]

    @functools.wraps(mmcv_backward)
    def backward(ctx, *grads):
        if getattr(ctx, 'pointmcd_torch_path', False):
            return torch_backward(ctx, *grads)
        return mmcv_backward(ctx, *grads)

    setattr(backward, _ORIGINAL, cls.__dict__.get('backward', _MISSING))
    backward.pointmcd_torch_backward = torch_backward
    return backward


def _attrs(name: str) -> Tuple[str, ...]:
    return ('forward', 'backward') if name in _DIFFERENTIABLE else (
        'forward', )


def mmcv_function_classes(import_mmcv: bool = True) -> Dict[str, type]:
    """mmcv's autograd Function class of every op (by op name).

    Args:
        import_mmcv (bool): Import the mmcv modules; if False, only the
            classes of already imported modules are returned.
    """
    classes = {}
    for name, (module, cls_name) in MMCV_FUNCTIONS.items():
        if import_mmcv:
            mod = importlib.import_module(module)
        else:
            mod = sys.modules.get(module)
            if mod is None:
                continue
        classes[name] = getattr(mod, cls_name)
    return classes


# ------------------------------------------------------------ the switch
def torch_point_ops_enabled() -> bool:
    """Whether mmcv's point ops currently dispatch CPU tensors to torch."""
    return any(
        _is_patched(cls, 'forward')
        for cls in mmcv_function_classes(import_mmcv=False).values())


def enable_torch_point_ops() -> None:
    """Install the dispatching forwards / backwards on mmcv's Function
    classes (idempotent). See the module docstring."""
    try:
        classes = mmcv_function_classes()
    except (ImportError, AttributeError) as e:
        print_log(f'mmcv point ops not found ({e}); the torch CPU paths '
                  'are not installed', logger='current', level=30)
        return
    count = 0
    for name, cls in classes.items():
        for attr in _attrs(name):
            if _is_patched(cls, attr):
                continue
            make = _patched_forward if attr == 'forward' else \
                _patched_backward
            setattr(cls, attr, staticmethod(make(name, cls)))
            count += 1
    if count:
        print_log(f'pointmcd_plugin: {len(classes)} mmcv point ops run on '
                  f'CPU tensors through torch ({ENV_VAR}=0 to switch off)',
                  logger='current', level=10)


def disable_torch_point_ops() -> None:
    """Put mmcv's own ``forward`` / ``backward`` back on its classes."""
    for name, cls in mmcv_function_classes(import_mmcv=False).items():
        for attr in _attrs(name):
            if not _is_patched(cls, attr):
                continue
            original = _original(cls, attr)
            if original is _MISSING:
                delattr(cls, attr)
            else:
                setattr(cls, attr, original)


def enable_from_env() -> None:
    """Enable unless ``POINTMCD_TORCH_POINT_OPS`` is 0 / false / off."""
    value = os.environ.get(ENV_VAR, '1').strip().lower()
    if value in ('0', 'false', 'off', 'no'):
        print_log(f'{ENV_VAR}={os.environ[ENV_VAR]}: mmcv point ops are '
                  'left as they are (CUDA only)', logger='current')
        return
    enable_torch_point_ops()


# ------------------------------------------------------- mmcv, untouched
_MMCV_ONLY: Dict[str, type] = {}


def _mmcv_only_class(name: str, cls: type) -> type:
    """A subclass of mmcv's Function ``cls`` with mmcv's own forward and
    backward, unaffected by the switch; module-level, so it pickles."""
    shadow = _MMCV_ONLY.get(name)
    if shadow is None or shadow.__bases__[0] is not cls:
        qualname = f'MMCVOnly{cls.__name__}'
        body = {'__module__': __name__, '__qualname__': qualname,
                '__doc__': f'mmcv.ops.{name} with mmcv\'s own kernels '
                           'only (never the torch path).'}
        for attr in ('forward', 'backward'):
            original = _original(cls, attr)
            if original is not _MISSING:
                body[attr] = original
        shadow = type(qualname, (cls, ), body)
        _MMCV_ONLY[name] = shadow
    globals()[shadow.__qualname__] = shadow
    return shadow


def __getattr__(attr: str) -> type:
    """``MMCVOnly<Function>`` on first use (also when unpickling
    :func:`mmcv_point_ops` ops in a fresh process)."""
    for name, (module, cls_name) in MMCV_FUNCTIONS.items():
        if attr == f'MMCVOnly{cls_name}':
            return _mmcv_only_class(
                name, getattr(importlib.import_module(module), cls_name))
    raise AttributeError(f'module {__name__!r} has no attribute {attr!r}')


def mmcv_point_ops() -> Dict[str, Callable]:
    """mmcv's own point ops by name, always mmcv's kernels whether the torch
    paths are enabled or not (for comparing the torch paths with mmcv's
    kernels, and for the kernel probe): ``apply`` of a subclass of mmcv's
    Function that carries mmcv's original forward / backward."""
    return {name: _mmcv_only_class(name, cls).apply
            for name, cls in mmcv_function_classes().items()}
