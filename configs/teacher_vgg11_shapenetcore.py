# Stage 1 of PointMCD for the unsupervised setting: the label-free image
# teacher, an image auto-encoder on ShapeNetCore v2 views (16 per shape,
# rendered from 2048 points at 224 px), ImageNet-pretrained VGG11-bn
# encoder, its pooled last stage (512-d) the view descriptor, L1
# reconstruction; no label is read anywhere (PackViewInputs packs the views
# only). Schedule as the authors' teacher_u.py: Adam, lr 1e-4 cosine to
# 5e-6, weight decay 1e-5; they train 100k iterations of 55 single views,
# here batches of 3 shapes (48 views) for 10 epochs of the train split
# (about 35.7k shapes: 1.2e5 iterations, 5.7e6 views). Validation: the
# reconstruction L1 of the val split's views (view_recon/l1, [0, 1] pixel
# units, lower is better; the best checkpoint is kept). Then export its
# knowledge of the split the student pre-trains on, (num_shapes, 16, 512):
#   python tools/export_teacher_knowledge.py \
#       configs/teacher_vgg11_shapenetcore.py \
#       work_dirs/teacher_vgg11_shapenetcore --split all \
#       --out work_dirs/teacher_vgg11_shapenetcore/knowledge_all.npy
_base_ = [
    './_base_/datasets/shapenetcore_views.py',
    './_base_/models/teacher_ae_vgg11.py',
    './_base_/schedules/teacher_seg_adam_cosine.py',
    './_base_/default_runtime.py'
]

max_epochs = 10
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(_base_.param_scheduler[0], T_max=max_epochs, end=max_epochs)
]
# The best checkpoint by the validation metric (its only key,
# view_recon/l1), lower being better.
default_hooks = dict(checkpoint=dict(save_best='auto', rule='less'))
