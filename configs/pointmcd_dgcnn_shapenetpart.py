# PointMCD for part segmentation on ShapeNetPart: the dgcnn_shapenetpart.py
# student and schedule, distilled from the cached knowledge of the VGG11-bn
# part-segmentation teacher (512-d view descriptors of 16 views). The task
# loss keeps weight 1.0, as in the authors' distiller_dg_s.py. Reported:
# 85.1 -> 86.8 instance mIoU. Stages:
#   1. python tools/train.py configs/teacher_vgg11_shapenetpart.py
#   2. python tools/export_teacher_knowledge.py \
#        configs/teacher_vgg11_shapenetpart.py \
#        work_dirs/teacher_vgg11_shapenetpart --split train \
#        --out work_dirs/teacher_vgg11_shapenetpart/knowledge_train.npy
#   3. python tools/train.py configs/pointmcd_dgcnn_shapenetpart.py
# Test the distilled checkpoint with this config (the test pipeline is the
# baseline's: no views), or convert it (tools/convert_distilled_checkpoint.py)
# and test it with dgcnn_shapenetpart.py.
_base_ = ['./dgcnn_shapenetpart.py', './_base_/pointmcd/partseg_distill.py']

knowledge = 'work_dirs/teacher_vgg11_shapenetpart/knowledge_train.npy'
task_loss_weight = 1.0
model = dict(_base_.distiller, _delete_=True, student=_base_.model,
             task_loss_weight=task_loss_weight)
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
