# Does PointMCD help DGCNN part segmentation on the embedded data? The fair
# comparison: DGCNN's 6-epoch embedded part-segmentation schedule, 3 seeds,
# instance mIoU (class mIoU in the records beside it), every row at the
# learning rate chosen for it on the validation split
# (dgcnn_shapenetpart_synthetic_lr.py; the control runs at PointMCD's):
#
# * baseline: the student alone, at its own learning rate;
# * control (the reference): the PointMCD config with the distillation
#   switched off (loss weight 0; the data pipeline and the teacher's
#   knowledge are PointMCD's, the distiller skips VAFP). The distilled
#   DGCNN keeps its task loss at weight 1.0 (as the authors), so there is
#   no loss scale: the control is the baseline at PointMCD's rate through
#   the distillation data path, and differs from PointMCD in nothing but
#   the distillation gradient;
# * PointMCD with each teacher of _teachers_shapenetpart_synthetic.py:
#   trained on the students' own shapes (honest), the stand-in for
#   ImageNet (more labelled shapes of the same categories), untrained.
#   python tools/compare_seeds.py \
#       configs/comparisons/dgcnn_shapenetpart_synthetic.py
_base_ = ['./_teachers_shapenetpart_synthetic.py']

seeds = [0, 1, 2]
metric = 'partseg/instance_miou'
reference = 'control (no distillation)'
student = '../dgcnn_shapenetpart_synthetic.py'
distilled = '../pointmcd_dgcnn_shapenetpart_synthetic.py'
# The learning rates the sweep chose on validation (seed 0 of these rows is
# the sweep's own run).
sweep = './dgcnn_shapenetpart_synthetic_lr.py'
baseline_lr = dict(spec=sweep, row='baseline')
pointmcd_lr = dict(spec=sweep, row='PointMCD (own-shapes teacher)')
rows = [
    dict(name='baseline', config=student, chosen_from=baseline_lr),
    dict(name='control (no distillation)', config=distilled,
         knowledge={{_base_.knowledge_own}}, chosen_from=pointmcd_lr,
         cfg_options={'model.distill_loss.loss_weight': 0.0}),
    dict(name='PointMCD, own-shapes teacher', config=distilled,
         knowledge={{_base_.knowledge_own}}, chosen_from=pointmcd_lr),
    dict(name='PointMCD, stand-in teacher', config=distilled,
         knowledge={{_base_.knowledge_standin}}, chosen_from=pointmcd_lr),
    dict(name='PointMCD, untrained teacher', config=distilled,
         knowledge={{_base_.knowledge_untrained}}, chosen_from=pointmcd_lr),
]
