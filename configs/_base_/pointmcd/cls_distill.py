# PointMCD distillation settings for classification, as in the paper:
# 12 views (azimuth k * 30 deg, elevation 30 deg), VAFP (max over the
# visible points of each view, then one shared FC + BN + ReLU 1024 -> 512),
# L1 between student and teacher view descriptors (weight 1), the task
# loss scaled by 0.1. Visibility is computed on the augmented points.
distill_views = 'modelnet40_12'
vafp = dict(type='VAFP', in_channels=1024, out_channels=512)
distill_loss = dict(type='MultiViewDistillLoss', mode='l1', loss_weight=1.0)
task_loss_weight = 0.1
visibility = dict(type='ComputeViewVisibility', views=distill_views)
