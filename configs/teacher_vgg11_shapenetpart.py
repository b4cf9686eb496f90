# Stage 1 of PointMCD for part segmentation: the per-pixel part-
# segmentation image teacher on ShapeNetPart (normal release; train on
# train, validate on val, test on test): 16 labelled views per shape
# rendered from 2048 points at 224 px, ImageNet-pretrained VGG11-bn + U-Net
# decoder conditioned on the category, 51 classes per pixel, Adam 1e-4
# cosine to 5e-6, 16 epochs of 2 shapes (32 views). The authors also pre-
# train the VGG as an image auto-encoder on the views (L1) before this;
# here it starts from ImageNet. Then export its knowledge, (num_shapes,
# 16, 512) view descriptors (the pooled last VGG stage):
#   python tools/export_teacher_knowledge.py \
#       configs/teacher_vgg11_shapenetpart.py \
#       work_dirs/teacher_vgg11_shapenetpart --split train \
#       --out work_dirs/teacher_vgg11_shapenetpart/knowledge_train.npy
_base_ = [
    './_base_/datasets/shapenetpart_views.py',
    './_base_/models/teacher_partseg_vgg11.py',
    './_base_/schedules/teacher_seg_adam_cosine.py',
    './_base_/default_runtime.py'
]
