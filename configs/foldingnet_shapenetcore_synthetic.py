# foldingnet_shapenetcore.py on the embedded shapes (generated under
# data/synthetic_shapes on first use), sized so that an epoch takes about a
# minute or two on a 2-core CPU. The twin changes: the data (the embedded
# ShapeNetCore-layout train split for pre-training, the embedded 12-class
# set for the SVM, its val split for validation), 512 input points instead
# of 2048, a 16 x 16 grid (256 reconstructed points) instead of 45 x 45 on
# the same [-0.3, 0.3]^2, folding MLPs 256 wide instead of 512, and a short
# schedule (6 epochs, validation every epoch). The encoder (k = 16,
# 64-64-64, 128, 1024 point features, the 512-d codeword), the loss, the
# optimiser and the SVM probe are those of the real config.
_base_ = [
    './_base_/datasets/synthetic_core_svm.py',
    './_base_/models/foldingnet.py', './_base_/schedules/ae_adam.py',
    './_base_/default_runtime.py'
]

model = dict(head=dict(grid_size=(16, 16), mid_channels=256))

max_epochs = 6
train_cfg = dict(max_epochs=max_epochs, val_interval=1)
