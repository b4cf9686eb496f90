# PointMCD for part segmentation on the embedded shapes with mmdet3d's
# PointNet++ as the student: the pointnet2_shapenetpart_synthetic.py
# baseline, same schedule, distilled from the embedded part-segmentation
# teacher's cached knowledge (see pointmcd_dgcnn_shapenetpart_synthetic.py).
# As pointmcd_pointnet2_shapenetpart.py: VAFP pools the last anchored
# set-abstraction level (64 anchors here, 256 channels, channels first)
# with the visibility of the anchor points (sa_indices), and the task loss
# keeps weight 1.0 (the decoder learns from it alone; see there).
_base_ = ['./pointnet2_shapenetpart_synthetic.py',
          './_base_/pointmcd/partseg_distill.py']

knowledge = ('work_dirs/teacher_mobilenetv2_shapenetpart_synthetic/'
             'knowledge_train.npy')
task_loss_weight = 1.0
teacher_channels = 160  # the embedded teacher's view descriptors
model = dict(_base_.distiller, _delete_=True, student=_base_.model,
             task_loss_weight=task_loss_weight,
             feat_source='backbone', feat_key='sa_features', feat_index=-1,
             channels_first=True, index_key='sa_indices',
             vafp=dict(_base_.vafp, in_channels=256,
                       out_channels=teacher_channels))
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
