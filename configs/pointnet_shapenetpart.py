# Baseline PointNet part segmentation on ShapeNetPart (normal release, 2048
# points, xyz), with the feature transform and its regulariser: SGD 0.1 ->
# 0.001 cosine, weight decay 1e-4, 200 epochs, batch 32. Trains on train
# and validates on val; for the papers' protocol (train + val, test) see
# _base_/datasets/shapenetpart.py. Reported baseline: 83.7 instance mIoU.
_base_ = [
    './_base_/datasets/shapenetpart.py',
    './_base_/models/pointnet_partseg.py',
    './_base_/schedules/seg_sgd_cosine.py', './_base_/default_runtime.py'
]

max_epochs = 200
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(_base_.param_scheduler[0], T_max=max_epochs, end=max_epochs)
]
