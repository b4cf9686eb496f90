# PointMCD on ScanObjectNN OBJ_BG: the dgcnn_scanobjectnn.py student and
# schedule, distilled from the cached knowledge of the image teacher that
# looked at views rendered from the points
# (teacher_mobilenetv2_scanobjectnn.py; train it and export its knowledge
# of the training split first, see that file). Paper: 82.8 -> 89.7.
_base_ = ['./dgcnn_scanobjectnn.py', './_base_/pointmcd/cls_distill.py']

knowledge = 'work_dirs/teacher_mobilenetv2_scanobjectnn/knowledge_train.npy'
model = dict(_base_.distiller, _delete_=True, student=_base_.model)
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
