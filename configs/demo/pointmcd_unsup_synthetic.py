# The one-command demo of PointMCD on the embedded shapes, unsupervised
# learning:
#   python tools/demo.py --settings cls unsup
# (format: pointmcd_plugin/utils/plans.py). The fair-comparison protocol of
# configs/comparisons/foldingnet_shapenetcore_synthetic.py, one seed by
# default:
#
# * the label-free image teacher: an image auto-encoder pre-trained on 720
#   unlabelled procedural shapes (seed 1), the stand-in for the real
#   teacher's ImageNet weights + ShapeNetCore views
#   (configs/teacher_mobilenetv2_shapenetcore_synthetic.py). It reads no
#   label, so it brings no labelled data, only more shapes and the image
#   modality; its number (validation L1 of the views' reconstruction) is
#   not an SVM accuracy, so it is kept out of the table and the chart
#   (it is in demo.json). Its knowledge of the students' pre-training split
#   (the embedded ShapeNetCore-layout train split) is exported with its
#   manifest;
# * the FoldingNet auto-encoder at identical schedules (its config's, Adam,
#   6 epochs): the baseline, the loss-scale control (the PointMCD config
#   with the distillation switched off, model.distill_loss.loss_weight=0;
#   the Chamfer loss keeps weight 1.0, so it should train as the baseline
#   does) and PointMCD;
# * every row at the learning rate its sweep chose on validation
#   (configs/comparisons/foldingnet_shapenetcore_synthetic_lr.py, read
#   from the records committed under results/; the control at PointMCD's).
#   Until that sweep has finished the demo stops with the command that
#   runs it (or --allow-untuned runs the rows at the config's 1e-4).
#
# The number is the linear SVM's accuracy on the frozen codewords of the
# embedded classification set (fitted on its train split, scored on val
# each epoch and on test by tools/test.py).
# `minutes` are the expected durations on a 2-core CPU, for the progress
# line only: measured in docs/demo.md (teacher 5.3 and export 0.4 with
# another training beside them; a FoldingNet run about 2.3 alone).
title = 'PointMCD on the embedded shapes: unsupervised (FoldingNet + SVM)'
metric = 'svm/accuracy'
seeds = [0]
students = ['foldingnet']
student_names = dict(foldingnet='FoldingNet')
reference = 'loss-scale control'

sweep = '../comparisons/{student}_shapenetcore_synthetic_lr.py'
distilled = '../pointmcd_{student}_shapenetcore_synthetic.py'
student_minutes = dict(foldingnet=2.3)
stages = [
    dict(name='teacher (label-free stand-in)', kind='run',
         config='../teacher_mobilenetv2_shapenetcore_synthetic.py',
         seeds=[0], table=False, minutes=5.3),
    dict(name='teacher knowledge', kind='export',
         source='teacher (label-free stand-in)', split='train', minutes=0.4),
    dict(name='baseline', kind='run', each_student=True,
         config='../{student}_shapenetcore_synthetic.py',
         chosen_from=dict(spec=sweep, row='baseline'),
         minutes=student_minutes),
    dict(name='loss-scale control', kind='run', each_student=True,
         config=distilled, knowledge='teacher knowledge',
         cfg_options={'model.distill_loss.loss_weight': 0.0},
         chosen_from=dict(spec=sweep, row='PointMCD (stand-in teacher)'),
         minutes=student_minutes),
    dict(name='PointMCD', kind='run', each_student=True, config=distilled,
         knowledge='teacher knowledge',
         chosen_from=dict(spec=sweep, row='PointMCD (stand-in teacher)'),
         minutes=student_minutes),
]
