# PointMCD for unsupervised representation learning on the embedded
# shapes: the foldingnet_shapenetcore_synthetic.py auto-encoder and
# schedule, distilled from the cached knowledge of the embedded label-free
# teacher (configs/teacher_mobilenetv2_shapenetcore_synthetic.py: train it,
# then export its knowledge of this training split, see that file). The
# twin changes nothing of pointmcd_foldingnet_shapenetcore.py but what its
# baseline twin changes (data, 512 points, grid, schedule) and the teacher:
# its view descriptors are also 512-d over the same 16 views, so VAFP and
# the loss are the real config's.
_base_ = ['./foldingnet_shapenetcore_synthetic.py',
          './_base_/pointmcd/ae_distill.py']

knowledge = ('work_dirs/teacher_mobilenetv2_shapenetcore_synthetic/'
             'knowledge_train.npy')
model = dict(_base_.distiller, _delete_=True, student=_base_.model)
train_pipeline = [
    *_base_.train_pipeline[:-1],  # SamplePoints, RandomScaleShiftPoints
    _base_.visibility,
    dict(_base_.load_knowledge, cache=knowledge,
         expect=dict(_base_.load_knowledge.expect,
                     dataset_type=_base_.train_dataloader.dataset.type,
                     data_root=_base_.train_dataloader.dataset.data_root,
                     split=_base_.train_dataloader.dataset.split)),
    _base_.train_pipeline[-1],  # PackPointInputs
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
