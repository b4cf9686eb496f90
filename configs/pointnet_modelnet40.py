# Baseline PointNet on ModelNet40 (HDF5 release, 1024 points): SGD 0.1 ->
# 0.001 cosine, 500 epochs, batch 64 (the PointMCD paper's student recipe).
# Reported baseline: 89.2 OA. With PointNet's feature transform (a 64 x 64
# T-Net after the first two MLP layers) and its orthogonality regulariser
# (weight 0.001, added beside the task loss and not scaled by PointMCD's
# task weight), as the authors' PointNet students have it; the embedded
# twin (pointnet_synthetic.py) keeps the input transform only.
_base_ = [
    './_base_/datasets/modelnet40_hdf5.py', './_base_/models/pointnet_cls.py',
    './_base_/schedules/cls_sgd_cosine.py', './_base_/default_runtime.py'
]

max_epochs = 500
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(_base_.param_scheduler[0], T_max=max_epochs, end=max_epochs)
]
train_dataloader = dict(batch_size=64)
model = dict(backbone=dict(feature_transform=True,
                           feature_transform_reg_weight=0.001))
