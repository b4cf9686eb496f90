# The one-command demo of PointMCD on the embedded shapes, part
# segmentation:
#   python tools/demo.py --settings cls partseg [--students dgcnn pointnet]
# (format: pointmcd_plugin/utils/plans.py). The fair-comparison protocol of
# configs/demo/pointmcd_cls_synthetic.py on the embedded part-segmentation
# set (12 categories, 30 parts, 480 / 60 / 120 train / val / test shapes,
# 512 points), with the honest teacher only:
#
# * the per-pixel image teacher trained on the students' own 480 labelled
#   shapes (configs/teacher_mobilenetv2_shapenetpart_synthetic_own.py),
#   trained once (seed 0), tested on the students' test split (its number
#   is its pixel mIoU over the category's parts and background, drawn as
#   the chart's line), its knowledge of their training split exported
#   with its manifest;
# * per student, at identical schedules (its config's): the baseline, the
#   loss-scale control (the PointMCD config with the distillation switched
#   off, model.distill_loss.loss_weight=0; the reference of the paired
#   differences) and PointMCD, distilled from that teacher's knowledge.
#   DGCNN keeps its task loss at weight 1.0 (as the authors), so its
#   control differs from its baseline only by the distillation steps
#   running with no gradient (views' visibility, VAFP); PointNet's task
#   loss is scaled by 0.1, which the control reproduces;
# * every student row at the learning rate its sweep chose on validation
#   (configs/comparisons/<student>_shapenetpart_synthetic_lr.py, read from
#   the records under results/; the control at PointMCD's). Until a sweep
#   has run the demo stops with the command that runs it, or
#   --allow-untuned runs the rows at their config's own rate (0.1),
#   "(not tuned)".
#
# Instance mIoU is the table's number, class mIoU has its table below.
#
# `minutes` are estimates, for the progress line only (a tuned row takes
# its sweep run's measured minutes instead): each stage's first 10-14
# training iterations and one validation pass timed through tools/train.py
# (OMP_NUM_THREADS=1, a 2-core CPU shared with other trainings, load
# average 3.6-4.5), extrapolated to the stage's schedule, plus its
# measured start-up and tools/test.py run; the export was run whole.
# Per step: teacher 0.73 s (240 steps), DGCNN 3.2 s baseline / 6.0 s
# distilled (180 steps), PointNet 4.7 s / 5.0 s (300 steps); the control
# is costed as PointMCD (the same steps, its loss weighted 0). See
# docs/demo.md, "Cost of part segmentation".
title = 'PointMCD on the embedded shapes: part segmentation'
metric = 'partseg/instance_miou'
extra_metrics = ['partseg/class_miou']
seeds = [0]
students = ['dgcnn']
student_names = dict(dgcnn='DGCNN', pointnet='PointNet')
reference = 'loss-scale control'

sweep = '../comparisons/{student}_shapenetpart_synthetic_lr.py'
distilled = '../pointmcd_{student}_shapenetpart_synthetic.py'
# Estimated from timed iterations (above): baseline, distilled rows.
baseline_minutes = dict(dgcnn=11.4, pointnet=25.7)
distilled_minutes = dict(dgcnn=20.0, pointnet=27.5)
stages = [
    dict(name='teacher (own shapes)', kind='run',
         config='../teacher_mobilenetv2_shapenetpart_synthetic_own.py',
         seeds=[0], chart='line',
         metric={'partseg/instance_miou': 'view_partseg/pixel_miou',
                 'partseg/class_miou': 'view_partseg/class_pixel_miou'},
         minutes=3.8),
    dict(name='teacher knowledge', kind='export',
         source='teacher (own shapes)', split='train', minutes=0.4),
    dict(name='baseline', kind='run', each_student=True,
         config='../{student}_shapenetpart_synthetic.py',
         chosen_from=dict(spec=sweep, row='baseline'),
         minutes=baseline_minutes),
    dict(name='loss-scale control', kind='run', each_student=True,
         config=distilled, knowledge='teacher knowledge',
         cfg_options={'model.distill_loss.loss_weight': 0.0},
         chosen_from=dict(spec=sweep, row='PointMCD (own-shapes teacher)'),
         minutes=distilled_minutes),
    dict(name='PointMCD', kind='run', each_student=True, config=distilled,
         knowledge='teacher knowledge',
         chosen_from=dict(spec=sweep, row='PointMCD (own-shapes teacher)'),
         minutes=distilled_minutes),
]
