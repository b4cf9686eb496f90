# Does PointMCD help the FoldingNet auto-encoder on the embedded data?
# FoldingNet's 6-epoch embedded schedule, 3 seeds, linear-SVM accuracy on
# the frozen codewords of the embedded classification set:
#
# * baseline: the auto-encoder alone;
# * loss-scale control (the reference): the PointMCD config with the
#   distillation switched off (loss weight 0; the visibility and the
#   teacher's knowledge are still read, the distiller skips VAFP, whose
#   term and gradient are then exactly zero, so the step differs from
#   PointMCD's in nothing but the distillation gradient). The distilled auto-encoder
#   keeps its Chamfer loss at weight 1.0, so this row should train as the
#   baseline does: a check that the plumbing alone changes nothing;
# * PointMCD with the label-free stand-in teacher of
#   _teachers_shapenetcore_synthetic.py.
# Every row runs at the learning rate chosen for it on the validation
# split (foldingnet_shapenetcore_synthetic_lr.py; the control runs at
# PointMCD's). No loss-weight sweep has been run for this setting.
#   python tools/compare_seeds.py \
#       configs/comparisons/foldingnet_shapenetcore_synthetic.py
_base_ = ['./_teachers_shapenetcore_synthetic.py']

seeds = [0, 1, 2]
metric = 'svm/accuracy'
reference = 'loss-scale control'
student = '../foldingnet_shapenetcore_synthetic.py'
distilled = '../pointmcd_foldingnet_shapenetcore_synthetic.py'
# The learning rates the sweep chose on validation (seed 0 of these rows is
# the sweep's own run).
sweep = './foldingnet_shapenetcore_synthetic_lr.py'
baseline_lr = dict(spec=sweep, row='baseline')
pointmcd_lr = dict(spec=sweep, row='PointMCD (stand-in teacher)')
rows = [
    dict(name='baseline', config=student, chosen_from=baseline_lr),
    dict(name='loss-scale control', config=distilled,
         knowledge={{_base_.knowledge_standin}}, chosen_from=pointmcd_lr,
         cfg_options={'model.distill_loss.loss_weight': 0.0}),
    dict(name='PointMCD, stand-in teacher', config=distilled,
         knowledge={{_base_.knowledge_standin}}, chosen_from=pointmcd_lr),
]
