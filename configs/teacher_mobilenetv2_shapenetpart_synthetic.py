# teacher_vgg11_shapenetpart.py on the embedded part-segmentation shapes,
# sized to train in about 10 minutes on 2 CPU cores: VGG11-bn on 16 views
# at 224 px does not fit there, so the encoder is MobileNetV2 at width 0.5
# (stages 0, 1, 2, 4 as skips, stage 6, 160 channels at 1/32, as the
# bottleneck whose average pool is the 160-d view descriptor), behind the
# same per-pixel U-Net decoder (narrower), on 16 views (shapenet_16), 12
# categories and 30 parts (31 classes per pixel, background label 30),
# trained from scratch. Offline there are no ImageNet weights: the
# knowledge the paper's teacher brings from ImageNet is stood in for by
# training on a larger procedural part-segmentation set drawn by the
# generator with another seed (seed 1, 80 shapes per category: twice the
# students' labelled set, disjoint from it), as
# teacher_mobilenetv2_synthetic.py does for classification; it is
# validated on the students' validation split and tested on their test
# split (seed 0). Like there, the teacher has seen more labelled shapes of
# the same categories than the students, which may flatter PointMCD;
# teacher_mobilenetv2_shapenetpart_synthetic_own.py is the teacher trained
# on the students' own labelled shapes only, with the same budget.
#
# Sizing for 2 cores (OMP_NUM_THREADS=2, batch 4 shapes = 64 views,
# measured on a shared 2-core CPU with another training beside it): a
# step costs 3.3 s at 64 px and 2.5 s at 32 px, the backward pass of the
# backbone's many small (depthwise) convolutions dominating (the decoder
# is a fifth of it, the rendering 20 ms a shape, hidden by the loader's
# workers), so the view size buys little and the budget is counted in
# views seen. The twin changes: views at 32 px (the 1/32 bottleneck is
# 1 x 1; was 64 px) and one epoch over the 960 shapes (240 steps, ~10
# minutes; was 8 epochs at 5 s a step, ~2.7 hours), the cosine annealed
# per iteration (one epoch would otherwise keep lr 1e-3 throughout).
# Network and decoder unchanged (a narrower decoder did not measure
# faster). On a busier machine (load 6-9) the steps took 5-9 s.
# Then export its knowledge of the students' training split,
# (480, 16, 160):
#   WD=work_dirs/teacher_mobilenetv2_shapenetpart_synthetic
#   python tools/export_teacher_knowledge.py \
#       configs/teacher_mobilenetv2_shapenetpart_synthetic.py $WD \
#       --split train --out $WD/knowledge_train.npy
_base_ = [
    './_base_/datasets/synthetic_partseg.py',
    './_base_/models/teacher_partseg_vgg11.py',
    './_base_/schedules/teacher_seg_adam_cosine.py',
    './_base_/default_runtime.py'
]

image_size = 32
num_parts = 30
render = dict(type='RenderPointViews', views='shapenet_16',
              image_size=image_size, part_labels=True,
              label_background=num_parts)
# The points' pipelines with the rendering before PackPartSegInputs, in
# place of ShufflePoints in training.
train_pipeline = [
    *_base_.train_pipeline[:-2], render, _base_.train_pipeline[-1]
]
test_pipeline = [*_base_.test_pipeline[:-1], render, _base_.test_pipeline[-1]]
pretrain_generate = dict(
    seed=1, num_train_per_class=80, num_val_per_class=0,
    num_test_per_class=1, num_points=2048)
train_dataloader = dict(
    batch_size=4,
    dataset=dict(data_root='data/synthetic_shapes_pretrain',
                 generate=pretrain_generate, pipeline=train_pipeline))
val_dataloader = dict(batch_size=4, dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(batch_size=4, dataset=dict(pipeline=test_pipeline))
val_evaluator = dict(type='pointmcd_plugin.PixelMIoUMetric')
test_evaluator = val_evaluator

model = dict(
    backbone=dict(_delete_=True, type='mmpretrain.MobileNetV2',
                  widen_factor=0.5, out_indices=(0, 1, 2, 4, 6)),
    pretrained_ignore_keys=(),
    head=dict(in_channels=(8, 16, 16, 48, 160), num_parts=num_parts,
              num_categories=12, category_channels=16, fuse_channels=32,
              out_channels=16))

max_epochs = 1
optim_wrapper = dict(optimizer=dict(lr=1e-3))
param_scheduler = [
    dict(_base_.param_scheduler[0], T_max=max_epochs, eta_min=1e-5,
         end=max_epochs, convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=max_epochs)
