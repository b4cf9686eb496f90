# Baseline PointNet++ (SSG, mmdet3d's PointNet2SASSG) on the embedded
# synthetic shapes, sized for a 2-core CPU: the 512 points of the embedded
# pipeline, so half the anchors of the ModelNet40 recipe (256 and 64, same
# radii and neighbours); everything else as pointnet2_modelnet40.py.
_base_ = [
    './_base_/datasets/synthetic_cls.py',
    './_base_/models/pointnet2_ssg_cls.py',
    './_base_/schedules/cls_sgd_cosine.py', './_base_/default_runtime.py'
]

model = dict(backbone=dict(num_points=(256, 64)), head=dict(num_classes=12))

max_epochs = 8
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(_base_.param_scheduler[0], T_max=max_epochs, end=max_epochs)
]
train_dataloader = dict(batch_size=16)
