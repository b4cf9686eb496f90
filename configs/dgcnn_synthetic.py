# Baseline DGCNN classification on the embedded synthetic shapes (generated
# under data/synthetic_shapes on first use). Sized to train in minutes on a
# 2-core CPU; everything else is the ModelNet40 recipe.
_base_ = [
    './_base_/datasets/synthetic_cls.py', './_base_/models/dgcnn_cls.py',
    './_base_/schedules/cls_sgd_cosine.py', './_base_/default_runtime.py'
]

model = dict(head=dict(num_classes=12))

max_epochs = 4
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(_base_.param_scheduler[0], T_max=max_epochs, end=max_epochs)
]
train_dataloader = dict(batch_size=16)
