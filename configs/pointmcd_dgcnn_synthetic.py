# PointMCD on the embedded shapes: the dgcnn_synthetic.py student, same
# schedule, distilled from the cached knowledge of the embedded teacher
# (configs/teacher_mobilenetv2_synthetic.py; train it, then export its
# knowledge of this training split, see that file). The online-teacher
# twin is pointmcd_dgcnn_synthetic_online.py.
_base_ = ['./dgcnn_synthetic.py', './_base_/pointmcd/cls_distill.py']

knowledge = 'work_dirs/teacher_mobilenetv2_synthetic/knowledge_train.npy'
model = dict(
    _delete_=True,
    type='pointmcd_plugin.PointMCDDistiller',
    student={{_base_.model}},
    vafp={{_base_.vafp}},
    distill_loss={{_base_.distill_loss}},
    task_loss_weight={{_base_.task_loss_weight}})

# The baseline's pipeline with visibility and the cached knowledge (old-
# style configs cannot insert into a base's list, hence restated).
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
