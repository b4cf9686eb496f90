# PointMCD part-segmentation schedule: the students' SGD (momentum 0.9, lr
# 0.1 annealed by cosine, per epoch, to 0.001) with weight decay 1e-4 and
# 250 epochs (DGCNN; a config with another max_epochs re-points the loop
# and the scheduler, see cls_sgd_cosine.py). Batch 32: the dataset base.
_base_ = ['./cls_sgd_cosine.py']

max_epochs = 250
optim_wrapper = dict(optimizer=dict(weight_decay=1e-4))
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(_base_.param_scheduler[0], T_max=max_epochs, end=max_epochs)
]
