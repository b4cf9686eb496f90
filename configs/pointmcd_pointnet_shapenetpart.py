# PointMCD for part segmentation on ShapeNetPart: the
# pointnet_shapenetpart.py student and schedule, distilled from the cached
# knowledge of the VGG11-bn part-segmentation teacher (see
# pointmcd_dgcnn_shapenetpart.py for the stages). The task loss is scaled
# by 0.1, as in the authors' distiller_pn_s.py; the feature-transform
# regulariser keeps its own weight (0.001). Reported: 83.7 -> 85.9
# instance mIoU.
_base_ = ['./pointnet_shapenetpart.py',
          './_base_/pointmcd/partseg_distill.py']

knowledge = 'work_dirs/teacher_vgg11_shapenetpart/knowledge_train.npy'
task_loss_weight = 0.1
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
