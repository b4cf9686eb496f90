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
# * PointMCD with 12 views (all: pointnet_synthetic_task1.py's setting), 6
#   (every 60 deg), 3 (every 120 deg), 1 (azimuth 0).
#   python tools/compare_seeds.py configs/comparisons/pointnet_synthetic_views.py
_base_ = ['./pointnet_synthetic_task1.py']

# Its control is pointnet_synthetic_task1.py's own row (its runs: the
# subset is irrelevant without the distillation, and so are the knowledge
# bytes, whose gradient is exactly zero). Every distilled row, the 12 views
# included, names its subset, so all of them are runs of this study on one
# teacher's knowledge: the task1 PointMCD runs trained on a copy of the
# own-shapes teacher exported on another machine, whose bytes differ.
subsets = [list(range(12)), [0, 2, 4, 6, 8, 10], [0, 4, 8], [0]]
control, pointmcd = _base_.rows[1:]
rows = [control] + [
    dict(pointmcd, name=f'PointMCD, {len(views)} view' +
         ('s' if len(views) > 1 else ''),
         cfg_options=dict(pointmcd.get('cfg_options', {}),
                          **{'model.view_subset': views}))
    for views in subsets
]
