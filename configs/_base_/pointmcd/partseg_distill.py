# PointMCD distillation settings for part segmentation (ShapeNetPart), as
# the authors' distiller_dg_s.py / distiller_pn_s.py have them: 16 views
# (shapenet_16: azimuth k * 45 deg at elevations +30 and -30 deg), VAFP
# over the student's 1024-d point-wise embedding (the one max-pooled into
# its global feature: the backbone's point_feats of DGCNN and PointNet; max
# over the visible points of each view, then one shared FC + BN + ReLU to
# the teacher's descriptor width: 512, the pooled last stage of the
# VGG11-bn segmentation teacher; a twin with another teacher sets
# vafp.out_channels to its width), L1 between student and teacher view
# descriptors (weight 1). The task loss weight differs by student in the
# authors' code: 1.0 for DGCNN (the value here), 0.1 for PointNet; every
# PointMCD part-segmentation config states its own. Visibility is computed
# on the augmented points.
#
# A PointMCD config inherits its baseline and this file and builds on the
# baseline's values, as with cls_distill.py:
#   model = dict(_base_.distiller, _delete_=True, student=_base_.model,
#                task_loss_weight=...)
# and inserts the distillation steps into the baseline's training pipeline
# after its augmentation (LoadShapePoints, NormalizePoints, SamplePoints,
# RandomScaleShiftPoints), before ShufflePoints (which permutes the
# visibility with the points and their part labels) and PackPartSegInputs
# (which attaches visibility and teacher descriptors to the
# Det3DDataSample, as PackPointInputs does for classification):
#   [*_base_.train_pipeline[:-2], visibility, load_knowledge,
#    *_base_.train_pipeline[-2:]]
# The test pipeline stays the baseline's: no views at test time.
distill_views = 'shapenet_16'
vafp = dict(type='VAFP', in_channels=1024, out_channels=512)
distill_loss = dict(type='MultiViewDistillLoss', mode='l1', loss_weight=1.0)
task_loss_weight = 1.0
# The distiller around the student (the unchanged PointPartSegmentor),
# which a config adds; students whose point features are not the
# backbone's point_feats (B, N, C) also name where to record them
# (feat_key, ...; see PointMCDDistiller).
distiller = dict(
    type='pointmcd_plugin.PointMCDDistiller',
    vafp=vafp,
    distill_loss=distill_loss,
    task_loss_weight=task_loss_weight)

# The distillation steps of the training pipeline: the visibility of the
# points in each view, then the teacher's view descriptors, cached: a
# config gives the knowledge file (cache) and its baseline's dataset_type
# and data_root, which the export's manifest must match (the split and
# the views are fixed here).
visibility = dict(type='ComputeViewVisibility', views=distill_views)
load_knowledge = dict(
    type='LoadTeacherKnowledge',
    expect=dict(split='train', views=distill_views))
