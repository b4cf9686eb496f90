# PointMCD / DGCNN classification schedule: SGD (momentum 0.9), lr 0.1
# annealed (cosine, per epoch) to 1/100 of the initial lr (0.001), so that
# a learning-rate sweep keeps the schedule's shape. A config with another
# max_epochs re-points the loop and the scheduler, whose values were fixed
# when this file was read:
#   train_cfg = dict(max_epochs=max_epochs)
#   param_scheduler = [
#       dict(_base_.param_scheduler[0], T_max=max_epochs, end=max_epochs)]
max_epochs = 350
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4))
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs,
        eta_min_ratio=0.01,
        by_epoch=True,
        begin=0,
        end=max_epochs)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs,
                 val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
