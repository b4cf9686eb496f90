# Does PointMCD help PointNet part segmentation on the embedded data? The
# fair comparison: PointNet's 10-epoch embedded part-segmentation
# schedule, 3 seeds, instance mIoU (class mIoU in the records beside it),
# every row at the learning rate chosen for it on the validation split
# (pointnet_shapenetpart_synthetic_lr.py; the control runs at PointMCD's):
#
# * baseline: the student alone, at its own learning rate;
# * loss-scale control (the reference): the PointMCD config, its task loss
#   x 0.1 (the authors' distiller_pn_s.py), with the distillation switched
#   off (loss weight 0; PointMCD's data pipeline and knowledge, the
#   distiller skips VAFP): it differs from PointMCD in nothing but the
#   distillation gradient;
# * PointMCD with each teacher of _teachers_shapenetpart_synthetic.py:
#   trained on the students' own shapes (honest), the stand-in for
#   ImageNet (more labelled shapes of the same categories), untrained.
#   python tools/compare_seeds.py \
#       configs/comparisons/pointnet_shapenetpart_synthetic.py
_base_ = ['./dgcnn_shapenetpart_synthetic.py']

reference = 'loss-scale control'
student = '../pointnet_shapenetpart_synthetic.py'
distilled = '../pointmcd_pointnet_shapenetpart_synthetic.py'
sweep = './pointnet_shapenetpart_synthetic_lr.py'
baseline_lr = dict(spec=sweep, row='baseline')
pointmcd_lr = dict(spec=sweep, row='PointMCD (own-shapes teacher)')
# DGCNN's rows with this student, its sweep and its control's name.
rows = [
    dict(row, config=student, chosen_from=baseline_lr)
    if row['name'] == 'baseline' else
    dict(row, config=distilled, chosen_from=pointmcd_lr,
         name=reference if row['name'] == _base_.reference else row['name'])
    for row in _base_.rows
]
