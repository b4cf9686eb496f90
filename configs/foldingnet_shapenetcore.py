# FoldingNet auto-encoder pre-trained on ShapeNetCore v2 (2048 points, batch
# 16, Adam 1e-4, weight decay 1e-6, random scaling + translation: the
# reproductions' recipe), evaluated by a linear SVM on frozen ModelNet40
# codewords. The PointMCD paper reports 88.4 (baseline) -> 90.0 (PointMCD)
# linear-SVM accuracy on ModelNet40 for this setting.
_base_ = [
    './_base_/datasets/shapenetcore_svm_modelnet40.py',
    './_base_/models/foldingnet.py', './_base_/schedules/ae_adam.py',
    './_base_/default_runtime.py'
]

# The reproductions' rule: lr = 1e-4 * 16 / batch (1e-4 at batch 16).
batch_size = 16
train_dataloader = dict(batch_size=batch_size)
optim_wrapper = dict(optimizer=dict(lr=1e-4 * 16 / batch_size))
