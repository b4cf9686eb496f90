"""Importing the plugin registers every component in the mmdet3d scope."""
import os.path as osp

from mmdet3d.registry import (DATASETS, HOOKS, METRICS, MODELS, TRANSFORMS,
                              VISUALIZERS)
from mmengine.config import Config
from mmengine.registry import RUNNERS

import pointmcd_plugin  # noqa: F401

from .conftest import REPO_ROOT

EXPECTED = {
    MODELS: ['PointClassifier', 'PointDataPreprocessor', 'DGCNNEncoder',
             'PointNetEncoder', 'VAFP', 'MultiViewDistillLoss',
             'MultiViewImageTeacher', 'MultiViewImagePreprocessor',
             'PointMCDDistiller',
             # part segmentation
             'PointPartSegmentor', 'PartSegHead', 'GlobalSANeck',
             'MultiViewPartSegTeacher', 'UNetPartSegHead',
             # unsupervised learning
             'PointAutoEncoder', 'FoldingNetEncoder', 'CodewordNeck',
             'FoldingHead', 'ChamferLoss', 'MultiViewAutoEncoderTeacher',
             'ViewDecoderHead'],
    DATASETS: ['ModelNet40HDF5Dataset', 'ModelNet40ResampledDataset',
               'ShapeNetPartDataset', 'ScanObjectNNDataset',
               'PointMCDModelNet40Dataset', 'PointMCDShapeNetPartDataset',
               'ShapeNetCoreV2HDF5Dataset', 'SyntheticShapesClsDataset',
               'SyntheticShapesPartSegDataset', 'SyntheticShapesCoreDataset'],
    TRANSFORMS: ['SamplePoints', 'ShufflePoints', 'RandomScaleShiftPoints',
                 'JitterPoints', 'RandomRotatePoints', 'NormalizePoints',
                 'ComputeViewVisibility', 'RenderPointViews',
                 'LoadShapePoints', 'LoadMultiViewImages',
                 'LoadViewVisibility', 'LoadViewPartLabels',
                 'LoadTeacherKnowledge', 'PackPointInputs',
                 'PackDistillInputs', 'PackPartSegInputs', 'PackViewInputs'],
    METRICS: ['PointClsMetric', 'ShapeNetPartMetric', 'PixelMIoUMetric',
              'LinearSVMMetric', 'ViewReconstructionMetric'],
    HOOKS: ['NumClassesCheckHook', 'PointClsVisualizationHook'],
    VISUALIZERS: ['PointClsVisualizer'],
}


def test_components_are_registered_in_mmdet3d_registries():
    for registry, names in EXPECTED.items():
        for name in names:
            assert registry.get(name) is not None, (registry.name, name)
            assert registry.get(f'mmdet3d.{name}') is not None
            # The plugin's own scope (what its base configs name).
            assert registry.get(f'pointmcd_plugin.{name}') is \
                registry.get(name)
    # Upstream tools build runner_type in mmengine's root registry.
    assert RUNNERS.get('PointMCDRunner') is not None


def test_configs_load_with_upstream_base_and_custom_imports():
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs',
                                   'dgcnn_synthetic.py'))
    assert cfg.default_scope == 'mmdet3d'
    assert cfg.custom_imports['imports'] == ['pointmcd_plugin']
    # Inherited from mmdet3d::_base_/default_runtime.py
    assert cfg.default_hooks.timer.type == 'IterTimerHook'
    assert cfg.model.type == 'pointmcd_plugin.PointClassifier'
    assert cfg.runner_type == 'PointMCDRunner'
