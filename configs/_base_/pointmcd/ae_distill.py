# PointMCD distillation settings for the unsupervised setting (FoldingNet
# auto-encoder pre-trained on ShapeNetCore): 16 views (shapenet_16:
# azimuth k * 45 deg at elevations +30 and -30 deg, those of the label-free
# image teacher), VAFP over the encoder's 1024-d per-point features before
# the global max (the backbone's point_feats; max over the visible points
# of each view, then one shared FC + BN + ReLU to the teacher's 512-d view
# descriptors: the pooled last VGG11-bn stage, or the embedded twin's
# projected MobileNetV2 stage), L1 between student and teacher view
# descriptors (weight 1). The authors publish no unsupervised student, so
# the task loss (the Chamfer reconstruction) keeps its weight, 1.0: the
# auto-encoder trains as its baseline does, plus the distillation term
# (the comparison's loss-scale control switches that term off). Visibility
# is computed on the augmented points.
#
# A PointMCD config inherits its baseline and this file and builds on the
# baseline's values, as with cls_distill.py:
#   model = dict(_base_.distiller, _delete_=True, student=_base_.model)
# and inserts the distillation steps into the baseline's training pipeline
# after its augmentation (SamplePoints, RandomScaleShiftPoints), before
# PackPointInputs (which attaches visibility and teacher descriptors):
#   [*_base_.train_pipeline[:-1], visibility, load_knowledge,
#    _base_.train_pipeline[-1]]
# The validation / test loaders (the linear-SVM probe) stay the baseline's.
distill_views = 'shapenet_16'
vafp = dict(type='VAFP', in_channels=1024, out_channels=512)
distill_loss = dict(type='MultiViewDistillLoss', mode='l1', loss_weight=1.0)
task_loss_weight = 1.0
# The distiller around the student (the unchanged PointAutoEncoder).
distiller = dict(
    type='pointmcd_plugin.PointMCDDistiller',
    vafp=vafp,
    distill_loss=distill_loss,
    task_loss_weight=task_loss_weight)

# The distillation steps of the training pipeline: the visibility of the
# points in each view, then the teacher's view descriptors, cached: a
# config gives the knowledge file (cache) and its baseline's pre-training
# dataset type, data root and split, which the export's manifest must
# match (the views are fixed here).
visibility = dict(type='ComputeViewVisibility', views=distill_views)
load_knowledge = dict(
    type='LoadTeacherKnowledge', expect=dict(views=distill_views))
