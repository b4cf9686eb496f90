# The PointMCD teacher schedule: Adam, lr 1e-4 annealed (cosine, per
# epoch) to 1e-6, 128 epochs (another max_epochs re-points train_cfg and
# the scheduler, as in cls_sgd_cosine.py).
max_epochs = 128
optim_wrapper = dict(type='OptimWrapper',
                     optimizer=dict(type='Adam', lr=1e-4))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=max_epochs, eta_min=1e-6,
         by_epoch=True, begin=0, end=max_epochs)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs,
                 val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
