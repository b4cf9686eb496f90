# pointnet_shapenetpart.py on the embedded part-segmentation shapes,
# sized for a 2-core CPU. The twin changes: the data (12 categories, 30
# parts, 512 points instead of 2048, batch 16), the head's label space to
# match, the point-wise embedding (the last shared layer, max-pooled into
# the global feature and recorded by a PointMCD distiller) 256 wide
# instead of 1024, and a short schedule (10 epochs). The embedding's width
# sets the per-point head's input (local features, global feature and the
# lifted one-hot: 896 channels instead of 2432), whose 1x1 convolutions
# over every point dominated the step: 4.2 s at 1024 and 2.3 s at 256 on
# 2 cores (1 thread each, beside another training).
_base_ = [
    './_base_/datasets/synthetic_partseg.py',
    './_base_/models/pointnet_partseg.py',
    './_base_/schedules/seg_sgd_cosine.py', './_base_/default_runtime.py'
]

embed_channels = 256
model = dict(
    backbone=dict(channels=(64, 64, 64, 128, embed_channels)),
    head=dict(in_channels=(64 + 64 + 64 + 128 + embed_channels) +
              embed_channels + 64,
              num_parts=30, num_categories=12))

max_epochs = 10
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(_base_.param_scheduler[0], T_max=max_epochs, end=max_epochs)
]
