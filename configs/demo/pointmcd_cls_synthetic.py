# The one-command demo of PointMCD on the embedded shapes, classification
# (setting `cls`, the default of tools/demo.py --settings):
#   python tools/demo.py [--students pointnet dgcnn pointnet2] [--seeds 0 1 2]
# (format: pointmcd_plugin/utils/plans.py). The fair-comparison protocol of
# configs/comparisons/pointnet_synthetic.py, with the honest teacher only:
#
# * the image teacher trained on the students' own 600 labelled shapes
#   (configs/teacher_mobilenetv2_synthetic_own.py), trained once (seed 0),
#   tested on the students' test split, its knowledge of their training
#   split exported with its manifest;
# * per student, at identical schedules (its config's): the baseline, the
#   loss-scale control (the PointMCD config with the distillation switched
#   off, model.distill_loss.loss_weight=0: it differs from PointMCD in
#   nothing but the distillation gradient; the reference of the paired
#   differences) and PointMCD, distilled from that teacher's knowledge;
# * every student row at the learning rate its sweep chose on validation
#   (configs/comparisons/<student>_synthetic_lr.py, read from the records
#   committed under results/; the control at PointMCD's). A student whose
#   sweep has not finished stops the demo with the command that runs it
#   (or --allow-untuned runs it at its config's own rate, "(not tuned)").
#
# The data set is generated on first use (data/synthetic_shapes, seconds).
# `minutes` are the expected durations on a 2-core CPU, for the progress
# line only (a tuned row takes its sweep run's measured minutes instead).
title = 'PointMCD on the embedded shapes: classification'
metric = 'cls/overall_acc'
seeds = [0]
students = ['pointnet']
student_names = dict(pointnet='PointNet', dgcnn='DGCNN',
                     pointnet2='PointNet++')
reference = 'loss-scale control'

sweep = '../comparisons/{student}_synthetic_lr.py'
distilled = '../pointmcd_{student}_synthetic.py'
student_minutes = dict(pointnet=6, dgcnn=9, pointnet2=10)
stages = [
    dict(name='teacher (own shapes)', kind='run',
         config='../teacher_mobilenetv2_synthetic_own.py', seeds=[0],
         chart='line', minutes=10),
    dict(name='teacher knowledge', kind='export',
         source='teacher (own shapes)', split='train', minutes=1),
    dict(name='baseline', kind='run', each_student=True,
         config='../{student}_synthetic.py',
         chosen_from=dict(spec=sweep, row='baseline'),
         minutes=student_minutes),
    dict(name='loss-scale control', kind='run', each_student=True,
         config=distilled, knowledge='teacher knowledge',
         cfg_options={'model.distill_loss.loss_weight': 0.0},
         chosen_from=dict(spec=sweep, row='PointMCD (own-shapes teacher)'),
         minutes=student_minutes),
    dict(name='PointMCD', kind='run', each_student=True, config=distilled,
         knowledge='teacher knowledge',
         chosen_from=dict(spec=sweep, row='PointMCD (own-shapes teacher)'),
         minutes=student_minutes),
]
