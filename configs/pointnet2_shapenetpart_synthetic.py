# pointnet2_shapenetpart.py on the embedded part-segmentation shapes,
# sized for a 2-core CPU. The twin changes: the data (12 categories, 30
# parts, 512 points instead of 2048, batch 16), the head's label space to
# match, half the anchors (256 and 64, same radii and neighbours, as
# pointnet2_synthetic.py) and a short schedule (6 epochs).
_base_ = [
    './_base_/datasets/synthetic_partseg.py',
    './_base_/models/pointnet2_ssg_partseg.py',
    './_base_/schedules/seg_sgd_cosine.py', './_base_/default_runtime.py'
]

model = dict(backbone=dict(num_points=(256, 64)),
             head=dict(num_parts=30, num_categories=12))

max_epochs = 6
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(_base_.param_scheduler[0], T_max=max_epochs, end=max_epochs)
]
