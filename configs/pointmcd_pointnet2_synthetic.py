# PointMCD on the embedded shapes with mmdet3d's PointNet++ as the student:
# the pointnet2_synthetic.py baseline, same schedule, distilled from the
# cached knowledge of the embedded teacher (configs/teacher_mobilenetv2_
# synthetic.py; train it, then export its knowledge of this training split,
# see that file). As the paper does for hierarchical students, VAFP pools
# the last anchored set-abstraction level (64 anchors here, 256 channels,
# channels first) with the visibility of the anchor points (sa_indices).
_base_ = ['./pointnet2_synthetic.py', './_base_/pointmcd/cls_distill.py']

knowledge = 'work_dirs/teacher_mobilenetv2_synthetic/knowledge_train.npy'
model = dict(
    _delete_=True,
    type='pointmcd_plugin.PointMCDDistiller',
    student={{_base_.model}},
    feat_source='backbone',
    feat_key='sa_features',
    feat_index=-1,
    channels_first=True,
    index_key='sa_indices',
    vafp=dict(type='VAFP', in_channels=256, out_channels=512),
    distill_loss={{_base_.distill_loss}},
    task_loss_weight={{_base_.task_loss_weight}})

train_pipeline = [
    dict(type='SamplePoints', num_points={{_base_.num_points}},
         method='first'),
    dict(type='RandomScaleShiftPoints', scale_range=(2. / 3., 3. / 2.),
         shift_range=0.2),
    {{_base_.visibility}},
    dict(type='LoadTeacherKnowledge', cache=knowledge,
         expect=dict(dataset_type={{_base_.dataset_type}},
                     data_root={{_base_.data_root}}, split='train',
                     views={{_base_.distill_views}})),
    dict(type='ShufflePoints'),
    dict(type='PackPointInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
