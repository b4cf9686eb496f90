# The FoldingNet reproductions' schedule (antao97/UnsupervisedPointCloud-
# Reconstruction): Adam (betas 0.9, 0.999), weight decay 1e-6, a constant
# lr of 1e-4 at batch 16 (they set 1e-4 * 16 / batch; a config with another
# batch sets lr itself), 278 epochs for the FoldingNet encoder. Validation
# (the linear-SVM probe) every 10 epochs, as often as they snapshot.
max_epochs = 278
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=1e-4, betas=(0.9, 0.999),
                   weight_decay=1e-6))
param_scheduler = []
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs,
                 val_interval=10)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
# tools/train.py --auto-scale-lr scales lr linearly from batch 16.
auto_scale_lr = dict(enable=False, base_batch_size=16)
