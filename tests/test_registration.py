"""Importing the plugin registers every component in the mmdet3d scope."""
from mmdet3d.registry import DATASETS, HOOKS, METRICS, MODELS, TRANSFORMS
from mmengine.config import Config

import pointmcd_plugin  # noqa: F401

EXPECTED = {
    MODELS: ['PointClassifier', 'PointDataPreprocessor', 'DGCNNEncoder',
             'PointNetEncoder'],
    DATASETS: ['ModelNet40HDF5Dataset', 'ModelNet40ResampledDataset',
               'ShapeNetPartDataset', 'ScanObjectNNDataset',
               'PointMCDModelNet40Dataset', 'PointMCDShapeNetPartDataset',
               'ShapeNetCoreV2HDF5Dataset', 'SyntheticShapesClsDataset',
               'SyntheticShapesPartSegDataset', 'SyntheticShapesCoreDataset'],
    TRANSFORMS: ['SamplePoints', 'ShufflePoints', 'RandomScaleShiftPoints',
                 'JitterPoints', 'RandomRotatePoints', 'NormalizePoints',
                 'RenderPointViews',
                 'LoadTeacherDescriptors', 'PackPointInputs'],
    METRICS: ['PointClsMetric'],
    HOOKS: ['NumClassesCheckHook'],
}


def test_components_are_registered_in_mmdet3d_registries():
    for registry, names in EXPECTED.items():
        for name in names:
            assert registry.get(name) is not None, (registry.name, name)
            assert registry.get(f'mmdet3d.{name}') is not None


def test_configs_load_with_upstream_base_and_custom_imports():
    cfg = Config.fromfile('configs/dgcnn_synthetic.py')
    assert cfg.default_scope == 'mmdet3d'
    assert cfg.custom_imports['imports'] == ['pointmcd_plugin']
    # Inherited from mmdet3d::_base_/default_runtime.py
    assert cfg.default_hooks.timer.type == 'IterTimerHook'
    assert cfg.model.type == 'PointClassifier'


def test_multiview_transform_is_registered():
    assert TRANSFORMS.get('RenderPointViews') is not None
