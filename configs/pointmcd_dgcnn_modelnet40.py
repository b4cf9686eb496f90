# PointMCD on ModelNet40: the dgcnn_modelnet40.py student and schedule,
# distilled from the cached knowledge of the image teacher. Stages:
#   1. python tools/train.py configs/teacher_mobilenetv2_modelnet40.py
#   2. python tools/export_teacher_knowledge.py \
#        configs/teacher_mobilenetv2_modelnet40.py \
#        work_dirs/teacher_mobilenetv2_modelnet40/best_*.pth --split train \
#        --out work_dirs/teacher_mobilenetv2_modelnet40/knowledge_train.npy
#   3. python tools/train.py configs/pointmcd_dgcnn_modelnet40.py
_base_ = ['./dgcnn_modelnet40.py', './_base_/pointmcd/cls_distill.py']

knowledge = 'work_dirs/teacher_mobilenetv2_modelnet40/knowledge_train.npy'
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
