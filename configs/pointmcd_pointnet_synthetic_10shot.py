# PointMCD on the few-label regime: the pointnet_synthetic_10shot.py
# student, same schedule, distilled from the knowledge of the teacher
# trained on the same 120 labelled shapes
# (teacher_mobilenetv2_synthetic_own_10shot.py); see
# pointmcd_pointnet_synthetic.py.
_base_ = ['./pointnet_synthetic_10shot.py', './_base_/pointmcd/cls_distill.py']

knowledge = ('work_dirs/teacher_mobilenetv2_synthetic_own_10shot/'
             'knowledge_train.npy')
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
