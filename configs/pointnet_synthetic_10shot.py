# PointNet on the embedded shapes with 10 labelled shapes per class (120 in
# all) instead of 50: the few-label regime of the fair-comparison study
# (configs/comparisons/pointnet_synthetic_10shot.py). The generator draws
# every shape from its own stream, so these 120 are the first 10 of each
# class of the 50-per-class set, and validation and test are the very
# splits of pointnet_synthetic.py (its data root, unchanged). The schedule
# keeps about the baseline's number of steps (60 epochs of 3 batches, 180
# steps, against 12 epochs of 18, 216; the last partial batch is dropped),
# validating every 5 epochs.
_base_ = ['./pointnet_synthetic.py']

data_root = 'data/synthetic_shapes_10shot'
synthetic_generate = dict(num_train_per_class=10)
train_dataloader = dict(
    dataset=dict(data_root=data_root, generate=synthetic_generate))

max_epochs = 60
train_cfg = dict(max_epochs=max_epochs, val_interval=5)
param_scheduler = [
    dict(_base_.param_scheduler[0], T_max=max_epochs, end=max_epochs)
]
