# The regime study, a schedule long enough for the baseline to converge:
# PointNet on the full embedded data for 36 epochs instead of 12 (cosine
# over the 36), 3 seeds, the pointnet_synthetic.py rows (baseline,
# loss-scale control, PointMCD with the own-shapes teacher). Each row runs
# at the rate chosen for it on validation for the 12-epoch schedule
# (pointnet_synthetic_lr.py), not swept again at 36 epochs: a longer
# schedule may want a lower rate, for the baseline and PointMCD alike.
#   python tools/compare_seeds.py configs/comparisons/pointnet_synthetic_long.py
_base_ = ['./_teachers_synthetic.py']

seeds = [0, 1, 2]
metric = 'cls/overall_acc'
reference = 'loss-scale control'
epochs = 36
long = {'train_cfg.max_epochs': epochs, 'param_scheduler.0.T_max': epochs,
        'param_scheduler.0.end': epochs}
distilled = '../pointmcd_pointnet_synthetic.py'
sweep = './pointnet_synthetic_lr.py'
baseline_lr = dict(spec=sweep, row='baseline')
pointmcd_lr = dict(spec=sweep, row='PointMCD (own-shapes teacher)')
rows = [
    dict(name='baseline', config='../pointnet_synthetic.py',
         chosen_from=baseline_lr, cfg_options=long),
    dict(name='loss-scale control', config=distilled,
         knowledge={{_base_.knowledge_own}}, chosen_from=pointmcd_lr,
         cfg_options=dict(long, **{'model.distill_loss.loss_weight': 0.0})),
    dict(name='PointMCD, own-shapes teacher', config=distilled,
         knowledge={{_base_.knowledge_own}}, chosen_from=pointmcd_lr,
         cfg_options=long),
]
