# Does PointMCD help PointNet on the embedded data? The fair comparison:
# PointNet's 12-epoch embedded schedule, 3 seeds, every row at the
# learning rate chosen for it on the validation split
# (pointnet_synthetic_lr.py; the control runs at PointMCD's):
#
# * baseline: the student alone, at its own learning rate;
# * loss-scale control (the reference): the PointMCD config with its task
#   loss x 0.1 and the distillation switched off (loss weight 0; the data
#   pipeline and the teacher's knowledge are PointMCD's, the distiller
#   skips VAFP, whose term and gradient are then exactly zero, so the step
#   differs from PointMCD's in nothing but the distillation gradient);
# * PointMCD with each teacher of _teachers_synthetic.py: trained on the
#   students' own shapes (honest), the stand-in for ImageNet (more
#   labelled shapes of the same classes), untrained.
#   python tools/compare_seeds.py configs/comparisons/pointnet_synthetic.py
_base_ = ['./_teachers_synthetic.py']

seeds = [0, 1, 2]
metric = 'cls/overall_acc'
reference = 'loss-scale control'
student = '../pointnet_synthetic.py'
distilled = '../pointmcd_pointnet_synthetic.py'
# The learning rates the sweep chose on validation (seed 0 of these rows is
# the sweep's own run).
sweep = './pointnet_synthetic_lr.py'
baseline_lr = dict(spec=sweep, row='baseline')
pointmcd_lr = dict(spec=sweep, row='PointMCD (own-shapes teacher)')
rows = [
    dict(name='baseline', config=student, chosen_from=baseline_lr),
    dict(name='loss-scale control', config=distilled,
         knowledge={{_base_.knowledge_own}}, chosen_from=pointmcd_lr,
         cfg_options={'model.distill_loss.loss_weight': 0.0}),
    dict(name='PointMCD, own-shapes teacher', config=distilled,
         knowledge={{_base_.knowledge_own}}, chosen_from=pointmcd_lr),
    dict(name='PointMCD, stand-in teacher', config=distilled,
         knowledge={{_base_.knowledge_standin}}, chosen_from=pointmcd_lr),
    dict(name='PointMCD, untrained teacher', config=distilled,
         knowledge={{_base_.knowledge_untrained}}, chosen_from=pointmcd_lr),
]
