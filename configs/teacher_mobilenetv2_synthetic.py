# The image teacher on the embedded shapes, sized for 2 CPU cores:
# MobileNetV2 (width 0.5) on 12 grey views at 64 px, trained from scratch.
# Offline there are no ImageNet weights, so the knowledge the paper's
# teacher brings from ImageNet is stood in for by pre-training on a larger
# procedural set drawn by the generator with another seed (seed 1, 100
# shapes per class: twice the students' labelled set, and disjoint from
# it); it is validated on the students' validation split and tested on
# their test split (seed 0). This is the stand-in for ImageNet: it has seen
# twice as many labelled shapes of the same 12 classes as the students,
# which may flatter PointMCD (extra labelled data, not only another
# modality); teacher_mobilenetv2_synthetic_own.py is the teacher trained on
# the students' own labelled shapes only. Its knowledge
# of the students' training split is then exported (the work dir stands
# for the checkpoint its last_checkpoint file names, the last one saved):
#   python tools/export_teacher_knowledge.py \
#       configs/teacher_mobilenetv2_synthetic.py \
#       work_dirs/teacher_mobilenetv2_synthetic --split train \
#       --out work_dirs/teacher_mobilenetv2_synthetic/knowledge_train.npy
_base_ = [
    './_base_/datasets/synthetic_cls.py',
    './_base_/models/teacher_mobilenetv2.py',
    './_base_/schedules/teacher_adam_cosine.py', './_base_/default_runtime.py'
]

image_size = 64
render = dict(type='RenderPointViews', views='modelnet40_12',
              image_size=image_size)
# The points' pipelines with the rendering before PackPointInputs, in
# place of ShufflePoints in training.
train_pipeline = [
    *_base_.train_pipeline[:-2], render, _base_.train_pipeline[-1]
]
test_pipeline = [*_base_.test_pipeline[:-1], render, _base_.test_pipeline[-1]]
pretrain_generate = dict(
    seed=1, num_train_per_class=100, num_val_per_class=0,
    num_test_per_class=1, num_points=2048)
train_dataloader = dict(
    batch_size=32,
    dataset=dict(data_root='data/synthetic_shapes_pretrain',
                 generate=pretrain_generate, load_normals=True,
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32,
    dataset=dict(load_normals=True, pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=32,
    dataset=dict(load_normals=True, pipeline=test_pipeline))

model = dict(
    backbone=dict(widen_factor=0.5, init_cfg=None),
    head=dict(num_classes=12))

max_epochs = 8
optim_wrapper = dict(optimizer=dict(lr=1e-3))
param_scheduler = [
    dict(_base_.param_scheduler[0], T_max=max_epochs, eta_min=1e-5,
         end=max_epochs)
]
train_cfg = dict(max_epochs=max_epochs)
