# The embedded procedural shapes in the ModelNet40 HDF5 layout, generated
# under data_root on first use (12 classes; see
# pointmcd_plugin/datasets/synthetic). ModelNet40's pipeline at 512 points,
# so that a DGCNN epoch takes about 1.5 minutes on a 2-core CPU.
# Validation (every epoch, best checkpoint, hyper-parameter choices) runs on
# the embedded validation split, disjoint from train and test (the
# datasets replace the base's, whose val_holdout the embedded set does not
# need); the test split is read only by tools/test.py.
_base_ = ['./modelnet40_hdf5.py']

dataset_type = 'pointmcd_plugin.SyntheticShapesClsDataset'
data_root = 'data/synthetic_shapes'
synthetic_generate = dict(
    seed=0, num_train_per_class=50, num_val_per_class=20,
    num_test_per_class=20, num_points=2048)
num_points = 512

train_pipeline = [
    dict(_base_.train_pipeline[0], num_points=num_points),
    *_base_.train_pipeline[1:]
]
test_pipeline = [
    dict(_base_.test_pipeline[0], num_points=num_points),
    *_base_.test_pipeline[1:]
]

train_dataloader = dict(
    num_workers=2,
    dataset=dict(_delete_=True, type=dataset_type, data_root=data_root,
                 split='train', generate=synthetic_generate,
                 pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=2,
    dataset=dict(type=dataset_type, data_root=data_root, split='val',
                 generate=synthetic_generate, pipeline=test_pipeline,
                 test_mode=True, _delete_=True))
test_dataloader = dict(
    num_workers=2,
    dataset=dict(type=dataset_type, data_root=data_root, split='test',
                 generate=synthetic_generate, pipeline=test_pipeline,
                 test_mode=True, _delete_=True))
