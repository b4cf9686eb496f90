# PointMCD on ScanObjectNN OBJ_BG: the dgcnn_scanobjectnn.py student and
# schedule, distilled from the cached knowledge of the image teacher that
# looked at views rendered from the points
# (teacher_mobilenetv2_scanobjectnn.py; train it and export its knowledge
# of the training split first, see that file). Paper: 82.8 -> 89.7.
_base_ = ['./dgcnn_scanobjectnn.py', './_base_/pointmcd/cls_distill.py']

knowledge = 'work_dirs/teacher_mobilenetv2_scanobjectnn/knowledge_train.npy'
model = dict(
    _delete_=True,
    type='pointmcd_plugin.PointMCDDistiller',
    student={{_base_.model}},
    vafp={{_base_.vafp}},
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
