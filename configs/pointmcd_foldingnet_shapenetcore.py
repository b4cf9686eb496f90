# PointMCD for unsupervised representation learning: the
# foldingnet_shapenetcore.py auto-encoder and schedule (ShapeNetCore v2, all
# splits, 2048 points; linear SVM on frozen ModelNet40 codewords), distilled
# from the cached knowledge of the label-free VGG11-bn image teacher (512-d
# view descriptors of 16 views). Reported: 88.4 -> 90.0 linear-SVM
# accuracy. Stages:
#   1. python tools/train.py configs/teacher_vgg11_shapenetcore.py
#   2. python tools/export_teacher_knowledge.py \
#        configs/teacher_vgg11_shapenetcore.py \
#        work_dirs/teacher_vgg11_shapenetcore --split all \
#        --out work_dirs/teacher_vgg11_shapenetcore/knowledge_all.npy
#   3. python tools/train.py configs/pointmcd_foldingnet_shapenetcore.py
# Test the distilled checkpoint with this config (the SVM loaders are the
# baseline's: no views), or convert it (tools/convert_distilled_checkpoint.py)
# and test it with foldingnet_shapenetcore.py.
_base_ = ['./foldingnet_shapenetcore.py', './_base_/pointmcd/ae_distill.py']

knowledge = 'work_dirs/teacher_vgg11_shapenetcore/knowledge_all.npy'
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
