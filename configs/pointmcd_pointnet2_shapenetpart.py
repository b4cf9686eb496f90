# PointMCD for part segmentation on ShapeNetPart with mmdet3d's PointNet++
# as the student: the pointnet2_shapenetpart.py baseline and schedule,
# distilled from the cached knowledge of the VGG11-bn part-segmentation
# teacher (see pointmcd_dgcnn_shapenetpart.py for the stages). Reported:
# 85.1 -> 86.4 instance mIoU.
# Which features: as the paper does for hierarchical students (and as
# pointmcd_pointnet2_modelnet40.py does), VAFP pools the last anchored
# set-abstraction level (128 anchors, 256 channels, channels first) with
# the visibility of the anchor points (sa_indices): the encoder's deepest
# point-wise features, those the global feature is pooled from.
# Task loss weight 1.0 (the authors ship no PointNet++ segmentation
# script): the distillation reaches only the encoder's set-abstraction
# levels, while the feature-propagation decoder and the head learn from
# the task loss alone, so scaling it by 0.1 would cut their effective
# learning rate tenfold; 1.0 is also the authors' choice for their other
# local-feature student in segmentation (DGCNN).
_base_ = ['./pointnet2_shapenetpart.py',
          './_base_/pointmcd/partseg_distill.py']

knowledge = 'work_dirs/teacher_vgg11_shapenetpart/knowledge_train.npy'
task_loss_weight = 1.0
model = dict(_base_.distiller, _delete_=True, student=_base_.model,
             task_loss_weight=task_loss_weight,
             feat_source='backbone', feat_key='sa_features', feat_index=-1,
             channels_first=True, index_key='sa_indices',
             vafp=dict(_base_.vafp, in_channels=256))
train_pipeline = [
    # LoadShapePoints, NormalizePoints, SamplePoints, RandomScaleShiftPoints
    *_base_.train_pipeline[:-2],
    _base_.visibility,
    dict(_base_.load_knowledge, cache=knowledge,
         expect=dict(_base_.load_knowledge.expect,
                     dataset_type=_base_.dataset_type,
                     data_root=_base_.data_root)),
    *_base_.train_pipeline[-2:],  # ShufflePoints, PackPartSegInputs
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
