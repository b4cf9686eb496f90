"""pointmcd-plugin: PointMCD multi-view cross-modal distillation.

Importing the package registers every component into the mmdet3d
registries and lets mmcv's point ops run on CPU tensors (see
:mod:`pointmcd_plugin.ops.mmcv_cpu`); configs load it with
``custom_imports = dict(imports=['pointmcd_plugin'], allow_failed_imports=False)``.
"""
from .version import __version__
from .utils import allow_mmengine_checkpoints

allow_mmengine_checkpoints()

from . import (datasets, engine, evaluation, models,  # noqa: E402,F401
               visualization)

__all__ = ['__version__']
from . import registry  # noqa: E402,F401  (the 'pointmcd_plugin' scope)
from .ops.mmcv_cpu import enable_from_env  # noqa: E402

# mmcv's point ops (CUDA only) run CPU tensors through torch from here on,
# in mmdet3d's models too; POINTMCD_TORCH_POINT_OPS=0 switches it off.
enable_from_env()
