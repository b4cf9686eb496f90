# PointMCD on the embedded shapes with mmdet3d's PointNet++ as the student:
# the pointnet2_synthetic.py baseline, same schedule, distilled from the
# cached knowledge of the embedded teacher (configs/teacher_mobilenetv2_
# synthetic.py; train it, then export its knowledge of this training split,
# see that file). As the paper does for hierarchical students, VAFP pools
# the last anchored set-abstraction level (64 anchors here, 256 channels,
# channels first) with the visibility of the anchor points (sa_indices).
_base_ = ['./pointnet2_synthetic.py', './_base_/pointmcd/cls_distill.py']

knowledge = 'work_dirs/teacher_mobilenetv2_synthetic/knowledge_train.npy'
model = dict(_base_.distiller, _delete_=True, student=_base_.model,
             feat_source='backbone', feat_key='sa_features', feat_index=-1,
             channels_first=True, index_key='sa_indices',
             vafp=dict(_base_.vafp, in_channels=256))
train_pipeline = [
    *_base_.train_pipeline[:-2],  # SamplePoints, RandomScaleShiftPoints
    _base_.visibility,
    dict(_base_.load_knowledge, cache=knowledge,
         expect=dict(_base_.load_knowledge.expect,
                     dataset_type=_base_.dataset_type,
                     data_root=_base_.data_root)),
    *_base_.train_pipeline[-2:],  # ShufflePoints, PackPointInputs
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
