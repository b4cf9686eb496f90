"""The ``pointmcd_plugin`` scope: lets configs reach the plugin without
``custom_imports``.

The plugin registers its components in mmdet3d's registries, so with
``custom_imports = dict(imports=['pointmcd_plugin'])`` (the plugin's
runtime base declares it) they are found by their bare names
(``type='VAFP'``) and mix into any mmdet3d config.

A base config cannot declare that import itself: mmengine refuses a key
(``custom_imports`` included) defined by two bases of one config, and a
config is normally composed of a model base and a dataset base. So the
plugin's bases name their top-level components with the scope prefix,
``type='pointmcd_plugin.PointClassifier'``, the way OpenMMLab configs name
another library's components (``'mmpretrain.StackedLinearClsHead'``). For a
scoped name mmengine imports ``pointmcd_plugin.registry`` (this module,
which imports the package and so registers everything in mmdet3d's
registries) and asks the registry of that scope, which answers from
mmdet3d's. Composing the plugin's model and dataset bases with
``mmdet3d::_base_/default_runtime.py`` therefore just works.
"""
from mmdet3d.registry import DATASETS as MMDET3D_DATASETS
from mmdet3d.registry import HOOKS as MMDET3D_HOOKS
from mmdet3d.registry import METRICS as MMDET3D_METRICS
from mmdet3d.registry import MODELS as MMDET3D_MODELS
from mmdet3d.registry import TRANSFORMS as MMDET3D_TRANSFORMS
from mmdet3d.registry import VISUALIZERS as MMDET3D_VISUALIZERS
from mmengine.registry import Registry

import pointmcd_plugin  # noqa: F401  (registers every component)

SCOPE = 'pointmcd_plugin'


class ScopeAlias(Registry):
    """A registry of the ``pointmcd_plugin`` scope, a child of mmengine's
    root registry of its kind (so a scoped name resolves from any registry
    of the tree, mmengine's root ones included), whose names are looked up
    in mmdet3d's registry of the same kind, where the plugin registers."""

    def __init__(self, target: Registry) -> None:
        super().__init__(target.name, parent=target.parent, scope=SCOPE)
        self.target = target

    def get(self, key: str):
        scope, real_key = self.split_scope_key(key)
        if scope in (None, self.scope):
            return self.target.get(real_key)
        return super().get(key)


def _child(target: Registry) -> Registry:
    return ScopeAlias(target)


MODELS = _child(MMDET3D_MODELS)
DATASETS = _child(MMDET3D_DATASETS)
TRANSFORMS = _child(MMDET3D_TRANSFORMS)
METRICS = _child(MMDET3D_METRICS)
HOOKS = _child(MMDET3D_HOOKS)
VISUALIZERS = _child(MMDET3D_VISUALIZERS)

__all__ = ['SCOPE', 'MODELS', 'DATASETS', 'TRANSFORMS', 'METRICS', 'HOOKS',
           'VISUALIZERS']
