# The regime study's number of views: does distilling from fewer views
# change what PointMCD does? PointNet at the setting of
# pointnet_synthetic_task1.py (the baseline's learning rate, task weight
# 1.0, the distillation weight chosen there on validation), 12 epochs,
# 3 seeds, the own-shapes teacher; every distilled row differs from the
# others only in model.view_subset, the views of the 12 (azimuth k * 30
# deg, elevation 30 deg) whose visibility and teacher descriptors VAFP and
# the loss use. A view's descriptor is computed from that view alone, so a
# subset is a teacher and knowledge of those views only (the teacher
# itself was trained on all 12).
#
# * control (the reference): task weight 1.0, distillation off (the runs
#   of pointnet_synthetic_task1.py: the subset is irrelevant without the
#   distillation);
# * PointMCD with 12 views (pointnet_synthetic_task1.py's row), 6 (every
#   60 deg), 3 (every 120 deg), 1 (azimuth 0).
#   python tools/compare_seeds.py configs/comparisons/pointnet_synthetic_views.py
_base_ = ['./_teachers_synthetic.py']

seeds = [0, 1, 2]
metric = 'cls/overall_acc'
reference = 'control (task weight 1, no distillation)'
distilled = '../pointmcd_pointnet_synthetic.py'
baseline_lr = dict(spec='./pointnet_synthetic_lr.py', row='baseline')
weight = dict(spec='./pointnet_synthetic_task1_weight.py',
              row='PointMCD, task weight 1 (own-shapes teacher)')
subsets = [[0, 2, 4, 6, 8, 10], [0, 4, 8], [0]]
rows = [
    dict(name='control (task weight 1, no distillation)', config=distilled,
         knowledge={{_base_.knowledge_own}}, chosen_from=baseline_lr,
         cfg_options={'model.task_loss_weight': 1.0,
                      'model.distill_loss.loss_weight': 0.0}),
    dict(name='PointMCD, 12 views', config=distilled,
         knowledge={{_base_.knowledge_own}}, chosen_from=weight),
] + [
    dict(name=f'PointMCD, {len(views)} views', config=distilled,
         knowledge={{_base_.knowledge_own}}, chosen_from=weight,
         cfg_options={'model.view_subset': views})
    for views in subsets
]
