# dgcnn_shapenetpart.py on the embedded part-segmentation shapes (generated
# under data/synthetic_shapes on first use), sized for a 2-core CPU. The
# twin changes: the data (12 categories, 30 parts, 512 points instead of
# 2048, batch 16), the head's label space to match, k = 20 neighbours
# instead of 40 (a quarter of the points) and a short schedule (6 epochs).
_base_ = [
    './_base_/datasets/synthetic_partseg.py',
    './_base_/models/dgcnn_partseg.py',
    './_base_/schedules/seg_sgd_cosine.py', './_base_/default_runtime.py'
]

model = dict(backbone=dict(k=20),
             head=dict(num_parts=30, num_categories=12))

max_epochs = 6
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(_base_.param_scheduler[0], T_max=max_epochs, end=max_epochs)
]
