# Views of ShapeNetCore v2 (AnTao97's HDF5 release, shapenetcorev2_hdf5_2048,
# 55 categories) for the label-free image teacher: 16 views (shapenet_16:
# azimuth k * 45 deg at elevations +30 and -30 deg) rendered from the 2048
# points at 224 px, depth-shaded (the release has no normals), packed by
# PackViewInputs: the views and sample_idx / shape_id, never the label the
# release lists. No augmentation: the teacher learns the views it exports.
# Trained on the train split, its reconstruction scored on val (every
# epoch) and test (tools/test.py); its knowledge is then exported for the
# split the FoldingNet student pre-trains on ('all').
dataset_type = 'pointmcd_plugin.ShapeNetCoreV2HDF5Dataset'
data_root = 'data/shapenetcorev2_hdf5_2048'
num_points = 2048
views = 'shapenet_16'
image_size = 224

render = dict(type='RenderPointViews', views=views, image_size=image_size,
              shading='depth')
pipeline = [
    dict(type='SamplePoints', num_points=num_points, method='first'),
    render,
    dict(type='PackViewInputs'),
]

train_dataloader = dict(
    batch_size=3,
    num_workers=4,
    persistent_workers=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, split='train',
                 pipeline=pipeline))
val_dataloader = dict(
    batch_size=3,
    num_workers=4,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, split='val',
                 pipeline=pipeline, test_mode=True))
test_dataloader = dict(
    val_dataloader,
    dataset=dict(type=dataset_type, data_root=data_root, split='test',
                 pipeline=pipeline, test_mode=True))

val_evaluator = dict(type='pointmcd_plugin.ViewReconstructionMetric')
test_evaluator = val_evaluator
