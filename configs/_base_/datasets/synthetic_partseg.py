# The embedded procedural shapes in the ShapeNetPart layout (12 categories,
# 30 parts; see pointmcd_plugin/datasets/synthetic), generated under
# data_root on first use with 2048 points per shape, read by the
# ShapeNetPart pipelines at 512 points so that an epoch takes a few minutes
# on a 2-core CPU. Training on the embedded train split, validation on its
# val split, testing (tools/test.py) on its test split, all disjoint.
_base_ = ['./shapenetpart.py']

dataset_type = 'pointmcd_plugin.SyntheticShapesPartSegDataset'
data_root = 'data/synthetic_shapes'
synthetic_generate = dict(
    seed=0, num_train_per_class=40, num_val_per_class=5,
    num_test_per_class=10, num_points=2048)
num_points = 512

# Index 2 is SamplePoints in both pipelines of the base.
train_pipeline = [
    *_base_.train_pipeline[:2],
    dict(_base_.train_pipeline[2], num_points=num_points),
    *_base_.train_pipeline[3:]
]
test_pipeline = [
    *_base_.test_pipeline[:2],
    dict(_base_.test_pipeline[2], num_points=num_points),
    *_base_.test_pipeline[3:]
]

train_dataloader = dict(
    batch_size=16,
    num_workers=2,
    dataset=dict(_delete_=True, type=dataset_type, data_root=data_root,
                 split='train', generate=synthetic_generate,
                 pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=2,
    dataset=dict(_delete_=True, type=dataset_type, data_root=data_root,
                 split='val', generate=synthetic_generate,
                 pipeline=test_pipeline, test_mode=True))
test_dataloader = dict(
    num_workers=2,
    dataset=dict(_delete_=True, type=dataset_type, data_root=data_root,
                 split='test', generate=synthetic_generate,
                 pipeline=test_pipeline, test_mode=True))
