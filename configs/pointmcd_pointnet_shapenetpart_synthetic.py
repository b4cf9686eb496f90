# PointMCD for part segmentation on the embedded shapes: the
# pointnet_shapenetpart_synthetic.py student, same schedule, distilled from
# the embedded part-segmentation teacher's cached knowledge (see
# pointmcd_dgcnn_shapenetpart_synthetic.py). The task loss is scaled by
# 0.1, as in the authors' distiller_pn_s.py; the feature-transform
# regulariser keeps its own weight.
_base_ = ['./pointnet_shapenetpart_synthetic.py',
          './_base_/pointmcd/partseg_distill.py']

knowledge = ('work_dirs/teacher_mobilenetv2_shapenetpart_synthetic/'
             'knowledge_train.npy')
task_loss_weight = 0.1
teacher_channels = 160  # the embedded teacher's view descriptors
model = dict(_base_.distiller, _delete_=True, student=_base_.model,
             task_loss_weight=task_loss_weight,
             vafp=dict(_base_.vafp, in_channels=_base_.embed_channels,
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
