# ModelNet40, HDF5 release (modelnet40_ply_hdf5_2048), 1024 points, xyz.
# Top-level plugin components carry the 'pointmcd_plugin.' scope so that this
# base works beside any runtime, mmdet3d's included, without custom_imports
# (see pointmcd_plugin/registry.py). persistent_workers is dropped by
# PointMCDRunner when num_workers=0.
dataset_type = 'pointmcd_plugin.ModelNet40HDF5Dataset'
data_root = 'data/modelnet40_ply_hdf5_2048'
num_points = 1024
# The release has no validation split: 10 % of each class of its training
# split (chosen by shape id, see ShapeDataset.holdout_mask) is held out for
# validation (every epoch, the best checkpoint, hyper-parameter choices)
# and the rest trains; the test split is read only by tools/test.py. The
# papers train on the whole training split: for their protocol set
# val_holdout=None on the training set (then validation has no split of
# its own to run on).
val_holdout = dict(fraction=0.1, seed=0)

train_pipeline = [
    dict(type='SamplePoints', num_points=num_points, method='first'),
    dict(type='RandomScaleShiftPoints', scale_range=(2. / 3., 3. / 2.),
         shift_range=0.2),
    dict(type='ShufflePoints'),
    dict(type='PackPointInputs'),
]
test_pipeline = [
    dict(type='SamplePoints', num_points=num_points, method='first'),
    dict(type='PackPointInputs'),
]

train_dataloader = dict(
    batch_size=24,
    num_workers=4,
    persistent_workers=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, split='train',
                 val_holdout=val_holdout, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32,
    num_workers=4,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, split='val',
                 val_holdout=val_holdout, pipeline=test_pipeline,
                 test_mode=True))
test_dataloader = dict(
    val_dataloader,
    dataset=dict(val_dataloader['dataset'], split='test'))

val_evaluator = dict(type='pointmcd_plugin.PointClsMetric')
test_evaluator = val_evaluator

custom_hooks = [dict(type='pointmcd_plugin.NumClassesCheckHook')]
