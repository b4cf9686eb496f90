# Baseline DGCNN classification on ScanObjectNN OBJ_BG (1024 points, 15
# classes), with the students' SGD cosine schedule over 250 epochs.
_base_ = [
    './_base_/datasets/scanobjectnn_objbg.py', './_base_/models/dgcnn_cls.py',
    './_base_/schedules/cls_sgd_cosine.py', './_base_/default_runtime.py'
]

model = dict(head=dict(num_classes=15))

max_epochs = 250
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(_base_.param_scheduler[0], T_max=max_epochs, end=max_epochs)
]
