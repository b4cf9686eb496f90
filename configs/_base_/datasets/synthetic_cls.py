# The embedded procedural shapes in the ModelNet40 HDF5 layout, generated
# under data_root on first use (12 classes; see
# pointmcd_plugin/datasets/synthetic). Same pipeline as ModelNet40.
_base_ = ['./modelnet40_hdf5.py']

dataset_type = 'SyntheticShapesClsDataset'
data_root = 'data/synthetic_shapes'
synthetic_generate = dict(
    seed=0, num_train_per_class=80, num_test_per_class=20, num_points=2048)

train_dataloader = dict(
    num_workers=2,
    dataset=dict(type=dataset_type, data_root=data_root,
                 generate=synthetic_generate))
val_dataloader = dict(
    num_workers=2,
    dataset=dict(type=dataset_type, data_root=data_root,
                 generate=synthetic_generate))
test_dataloader = val_dataloader
