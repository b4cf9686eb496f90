# ShapeNetPart part segmentation, the normal release
# (shapenetcore_partanno_segmentation_benchmark_v0_normal: 16 categories, 50
# parts in one label space), 2048 points, xyz input. Each shape is
# normalised into the unit sphere and 2048 of its points are drawn at
# random (with replacement for the few shapes with fewer points), as the
# PointNet++ / DGCNN loaders do; training adds the PointMCD authors'
# augmentation, anisotropic scaling 0.8-1.2 and translation +-0.1 per axis
# (a PointMCD config computes visibility after it, before ShufflePoints).
# The loader also reads the normals; PackPartSegInputs keeps xyz only (set
# point_channels=6 and model.backbone.in_channels=6 to feed normals too).
# Samples are mmdet3d Det3DDataSample objects: labels in
# gt_pts_seg.pts_semantic_mask, the category and its part ids in metainfo.
#
# Splits: training on the release's train list, validation (every epoch,
# the best checkpoint, hyper-parameter choices) on its official val list,
# testing (tools/test.py) on its test list. The papers train on train + val
# and report test: for their protocol train on split='trainval' without
# validation, e.g. --cfg-options train_dataloader.dataset.split=trainval
# val_dataloader=None val_cfg=None val_evaluator=None.
# The authors' pre-processed layout (2048 labelled points per shape, train
# and test lists only) reads with dataset_type =
# 'pointmcd_plugin.PointMCDShapeNetPartDataset' and the same pipelines.
dataset_type = 'pointmcd_plugin.ShapeNetPartDataset'
data_root = 'data/shapenetcore_partanno_segmentation_benchmark_v0_normal'
num_points = 2048

train_pipeline = [
    dict(type='LoadShapePoints'),
    dict(type='NormalizePoints'),
    dict(type='SamplePoints', num_points=num_points, method='random'),
    dict(type='RandomScaleShiftPoints', scale_range=(0.8, 1.2),
         shift_range=0.1, anisotropic=True),
    dict(type='ShufflePoints'),
    dict(type='PackPartSegInputs', point_channels=3),
]
test_pipeline = [
    dict(type='LoadShapePoints'),
    dict(type='NormalizePoints'),
    dict(type='SamplePoints', num_points=num_points, method='random'),
    dict(type='PackPartSegInputs', point_channels=3),
]

train_dataloader = dict(
    batch_size=32,
    num_workers=4,
    persistent_workers=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, split='train',
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32,
    num_workers=4,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, split='val',
                 pipeline=test_pipeline, test_mode=True))
test_dataloader = dict(
    val_dataloader,
    dataset=dict(val_dataloader['dataset'], split='test'))

# Instance and class mIoU (standard scoring; scoring='authors_nonstandard'
# reproduces the PointMCD authors' own evaluation for comparison).
val_evaluator = dict(type='pointmcd_plugin.ShapeNetPartMetric')
test_evaluator = val_evaluator
