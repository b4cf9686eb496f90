# Does PointMCD help PointNet on the embedded data? The fair comparison:
# PointNet's 12-epoch embedded schedule, 3 seeds, every row at the
# learning rate chosen for it on the validation split
# (pointnet_synthetic_lr.py; the control runs at PointMCD's):
#
# * baseline: the student alone, at its own best learning rate;
# * loss-scale control (the reference): the PointMCD config with its task
#   loss x 0.1 and the distillation switched off (loss weight 0; VAFP and
#   the teacher's knowledge still run, so the step differs from PointMCD's
#   in nothing but the distillation gradient);
# * PointMCD with each teacher of _teachers_synthetic.py: trained on the
#   students' own shapes (honest), the stand-in for ImageNet (more
#   labelled shapes of the same classes), untrained.
#   python tools/compare_seeds.py configs/comparisons/pointnet_synthetic.py
_base_ = ['./_teachers_synthetic.py']

seeds = [0, 1, 2]
metric = 'cls/overall_acc'
reference = 'loss-scale control'
lr_baseline = 0.03  # chosen on validation: pointnet_synthetic_lr.py
lr_pointmcd = 0.1   # chosen on validation: pointnet_synthetic_lr.py
student = '../pointnet_synthetic.py'
distilled = '../pointmcd_pointnet_synthetic.py'
rows = [
    dict(name='baseline', config=student,
         cfg_options={'optim_wrapper.optimizer.lr': lr_baseline}),
    dict(name='loss-scale control', config=distilled,
         knowledge={{_base_.knowledge_own}},
         cfg_options={'optim_wrapper.optimizer.lr': lr_pointmcd,
                      'model.distill_loss.loss_weight': 0.0}),
    dict(name='PointMCD, own-shapes teacher', config=distilled,
         knowledge={{_base_.knowledge_own}},
         cfg_options={'optim_wrapper.optimizer.lr': lr_pointmcd}),
    dict(name='PointMCD, stand-in teacher', config=distilled,
         knowledge={{_base_.knowledge_standin}},
         cfg_options={'optim_wrapper.optimizer.lr': lr_pointmcd}),
    dict(name='PointMCD, untrained teacher', config=distilled,
         knowledge={{_base_.knowledge_untrained}},
         cfg_options={'optim_wrapper.optimizer.lr': lr_pointmcd}),
]
