# teacher_vgg11_shapenetcore.py on the embedded shapes, sized for 2 CPU
# cores (a few minutes): the label-free image auto-encoder teacher, trained
# on views of the embedded ShapeNetCore-layout set (SyntheticShapesCore-
# Dataset; no label is read: PackViewInputs packs the views only). The
# twin changes:
# * the encoder: MobileNetV2 at width 0.5 (the classification twin's),
#   from scratch (no ImageNet weights offline), its last stage (1280
#   channels at 1/32) pooled and projected (1x1 conv + BN + ReLU, as the
#   classification teacher's descriptor) to 512-d, the real config's
#   descriptor width, so the students' VAFP is the real one;
# * the decoder: a 2 x 2 x 128 seed, conv blocks 64-32-16 to 32 px;
# * the views: the same 16 (shapenet_16), rendered at 32 px from 512
#   points (the students' 512) instead of 224 px from 2048;
# * the data: the ImageNet weights the real teacher starts from are stood
#   in for by pre-training on a larger unlabelled set drawn by the generator
#   with another seed (seed 1, 60 shapes per class = 720: more than, and
#   disjoint from, the students' 600 pre-training shapes), as
#   teacher_mobilenetv2_synthetic.py does for classification; validated
#   on the students' core val split, tested on their core test split
#   (seed 0);
# * the schedule: lr 1e-3 (from scratch), 2 epochs of 8 shapes (128 views)
#   a step, the cosine annealed per iteration.
# Sizing (OMP_NUM_THREADS=1, a shared 2-core CPU with other trainings
# beside it): 1.1-1.4 s a step, 180 steps and two validations in about
# 4.5 minutes, the sets generated on first use included.
# Then export its knowledge of the students' pre-training split,
# (600, 16, 512):
#   WD=work_dirs/teacher_mobilenetv2_shapenetcore_synthetic
#   python tools/export_teacher_knowledge.py \
#       configs/teacher_mobilenetv2_shapenetcore_synthetic.py $WD \
#       --split train --out $WD/knowledge_train.npy
_base_ = ['./teacher_vgg11_shapenetcore.py']

dataset_type = 'pointmcd_plugin.SyntheticShapesCoreDataset'
data_root = 'data/synthetic_shapes'
num_points = 512
image_size = 32
# The students' set, as configs/_base_/datasets/synthetic_core_svm.py draws
# it (the generator refuses a folder written with other arguments).
core_generate = dict(seed=0, num_train_per_class=50, num_val_per_class=10,
                     num_test_per_class=20, num_points=2048)
pretrain_generate = dict(seed=1, num_train_per_class=60, num_val_per_class=1,
                         num_test_per_class=1, num_points=2048)
pipeline = [
    dict(_base_.pipeline[0], num_points=num_points),
    dict(_base_.render, image_size=image_size),
    _base_.pipeline[-1],
]
batch_size = 8
train_dataloader = dict(
    batch_size=batch_size,
    num_workers=2,
    dataset=dict(type=dataset_type, data_root='data/synthetic_shapes_pretrain',
                 generate=pretrain_generate, pipeline=pipeline))
val_dataloader = dict(
    batch_size=batch_size,
    num_workers=2,
    dataset=dict(type=dataset_type, data_root=data_root,
                 generate=core_generate, pipeline=pipeline))
test_dataloader = dict(
    batch_size=batch_size,
    num_workers=2,
    dataset=dict(type=dataset_type, data_root=data_root,
                 generate=core_generate, pipeline=pipeline))

model = dict(
    backbone=dict(_delete_=True, type='mmpretrain.MobileNetV2',
                  widen_factor=0.5, out_indices=(7, )),
    pretrained_ignore_keys=(),
    descriptor_channels=512,
    head=dict(seed_size=(2, 2), seed_channels=128, channels=(64, 32, 16)))

max_epochs = 2
optim_wrapper = dict(optimizer=dict(lr=1e-3))
param_scheduler = [
    dict(_base_.param_scheduler[0], T_max=max_epochs, eta_min=1e-5,
         end=max_epochs, convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=max_epochs)
