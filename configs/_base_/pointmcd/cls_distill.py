# PointMCD distillation settings for classification, as in the paper:
# 12 views (azimuth k * 30 deg, elevation 30 deg), VAFP (max over the
# visible points of each view, then one shared FC + BN + ReLU 1024 -> 512),
# L1 between student and teacher view descriptors (weight 1), the task
# loss scaled by 0.1. Visibility is computed on the augmented points.
#
# A PointMCD config inherits its baseline and this file and builds on the
# baseline's values, which an old-style config sees as the Python value
# _base_ (building new dicts and lists: the bases' own are shared):
#   model = dict(_base_.distiller, _delete_=True, student=_base_.model)
# and inserts the distillation steps into the baseline's training pipeline
# after its augmentation (SamplePoints, RandomScaleShiftPoints), before
# ShufflePoints (which permutes the visibility with the points) and
# PackPointInputs.
distill_views = 'modelnet40_12'
vafp = dict(type='VAFP', in_channels=1024, out_channels=512)
distill_loss = dict(type='MultiViewDistillLoss', mode='l1', loss_weight=1.0)
task_loss_weight = 0.1
# The distiller around the student, which a config adds; students whose
# point features are not the backbone's point_feats (B, N, C) also name
# where to record them (feat_key, ...; see PointMCDDistiller).
distiller = dict(
    type='pointmcd_plugin.PointMCDDistiller',
    vafp=vafp,
    distill_loss=distill_loss,
    task_loss_weight=task_loss_weight)

# The distillation steps of the training pipeline: the visibility of the
# points in each view, then the teacher's view descriptors, either
visibility = dict(type='ComputeViewVisibility', views=distill_views)
# cached: a config gives the knowledge file (cache) and its baseline's
# dataset_type and data_root, which the export's manifest must match; or
load_knowledge = dict(
    type='LoadTeacherKnowledge',
    expect=dict(split='train', views=distill_views))
# online: the views rendered from the augmented points at each step for the
# teacher to describe (a config gives its teacher's image_size).
online_views = dict(type='RenderPointViews', views=distill_views)
