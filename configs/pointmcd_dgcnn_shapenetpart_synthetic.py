# PointMCD for part segmentation on the embedded shapes: the
# dgcnn_shapenetpart_synthetic.py student, same schedule, distilled from
# the cached knowledge of the embedded part-segmentation teacher
# (configs/teacher_mobilenetv2_shapenetpart_synthetic.py, the stand-in for
# ImageNet, or its own-shapes twin teacher_mobilenetv2_shapenetpart_
# synthetic_own.py: train it, then export its knowledge of this training
# split, see that file). VAFP maps the 1024-d point-wise embedding to the
# embedded teacher's 160-d view descriptors (MobileNetV2 x0.5, last
# stage), 16 views; the task loss keeps weight 1.0, as in the authors'
# distiller_dg_s.py.
_base_ = ['./dgcnn_shapenetpart_synthetic.py',
          './_base_/pointmcd/partseg_distill.py']

knowledge = ('work_dirs/teacher_mobilenetv2_shapenetpart_synthetic/'
             'knowledge_train.npy')
task_loss_weight = 1.0
teacher_channels = 160
model = dict(_base_.distiller, _delete_=True, student=_base_.model,
             task_loss_weight=task_loss_weight,
             vafp=dict(_base_.vafp, out_channels=teacher_channels))
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
