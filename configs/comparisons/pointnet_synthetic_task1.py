# Does the distillation add anything on top of the tuned PointNet baseline?
# Every row at the baseline's learning rate (pointnet_synthetic_lr.py) and
# task weight 1.0, 12 epochs, 3 seeds:
#
# * baseline: the student alone (its rows of pointnet_synthetic.py);
# * control (the reference): the PointMCD config, task weight 1.0,
#   distillation weight 0: the baseline plus the distillation data path,
#   so it differs from PointMCD in nothing but the distillation gradient;
# * PointMCD, own-shapes teacher, task weight 1.0, at the distillation
#   weight pointnet_synthetic_task1_weight.py chose on validation.
#   python tools/compare_seeds.py configs/comparisons/pointnet_synthetic_task1.py
_base_ = ['./_teachers_synthetic.py']

seeds = [0, 1, 2]
metric = 'cls/overall_acc'
reference = 'control (task weight 1, no distillation)'
distilled = '../pointmcd_pointnet_synthetic.py'
baseline_lr = dict(spec='./pointnet_synthetic_lr.py', row='baseline')
weight = dict(spec='./pointnet_synthetic_task1_weight.py',
              row='PointMCD, task weight 1 (own-shapes teacher)')
rows = [
    dict(name='baseline', config='../pointnet_synthetic.py',
         chosen_from=baseline_lr),
    dict(name='control (task weight 1, no distillation)', config=distilled,
         knowledge={{_base_.knowledge_own}}, chosen_from=baseline_lr,
         cfg_options={'model.task_loss_weight': 1.0,
                      'model.distill_loss.loss_weight': 0.0}),
    dict(name='PointMCD, task weight 1, own-shapes teacher',
         config=distilled, knowledge={{_base_.knowledge_own}},
         chosen_from=weight),
]
