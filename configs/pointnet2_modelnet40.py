# Baseline PointNet++ (SSG, mmdet3d's PointNet2SASSG) classification on
# ModelNet40 (HDF5 release, 1024 points), with the students' SGD cosine
# schedule. Data: see the README's "Real data".
_base_ = [
    './_base_/datasets/modelnet40_hdf5.py',
    './_base_/models/pointnet2_ssg_cls.py',
    './_base_/schedules/cls_sgd_cosine.py', './_base_/default_runtime.py'
]

max_epochs = 250
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(_base_.param_scheduler[0], T_max=max_epochs, end=max_epochs)
]
train_dataloader = dict(batch_size=16)
