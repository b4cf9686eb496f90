"""pointmcd-plugin: PointMCD multi-view cross-modal distillation.

Importing the package registers every component into the mmdet3d
registries; configs load it with
``custom_imports = dict(imports=['pointmcd_plugin'], allow_failed_imports=False)``.
"""
from .version import __version__
from .utils import allow_mmengine_checkpoints

allow_mmengine_checkpoints()

from . import (datasets, engine, evaluation, models,  # noqa: E402,F401
               visualization)

__all__ = ['__version__']
from . import registry  # noqa: E402,F401  (the 'pointmcd_plugin' scope)
