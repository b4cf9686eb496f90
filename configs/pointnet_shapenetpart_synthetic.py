# pointnet_shapenetpart.py on the embedded part-segmentation shapes,
# sized for a 2-core CPU. The twin changes: the data (12 categories, 30
# parts, 512 points instead of 2048, batch 16), the head's label space to
# match and a short schedule (10 epochs).
_base_ = [
    './_base_/datasets/synthetic_partseg.py',
    './_base_/models/pointnet_partseg.py',
    './_base_/schedules/seg_sgd_cosine.py', './_base_/default_runtime.py'
]

model = dict(head=dict(num_parts=30, num_categories=12))

max_epochs = 10
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(_base_.param_scheduler[0], T_max=max_epochs, end=max_epochs)
]
