# The PointMCD image teacher for ScanObjectNN OBJ_BG: ImageNet-pretrained
# MobileNetV2 fine-tuned on 12 views rendered from the points (depth
# shading, 224 px), 15 classes. Then export its knowledge of the training
# split for pointmcd_dgcnn_scanobjectnn.py:
#   python tools/train.py configs/teacher_mobilenetv2_scanobjectnn.py
#   python tools/export_teacher_knowledge.py \
#     configs/teacher_mobilenetv2_scanobjectnn.py \
#     work_dirs/teacher_mobilenetv2_scanobjectnn/best_*.pth --split train \
#     --out work_dirs/teacher_mobilenetv2_scanobjectnn/knowledge_train.npy
_base_ = [
    './_base_/datasets/scanobjectnn_objbg_views.py',
    './_base_/models/teacher_mobilenetv2.py',
    './_base_/schedules/teacher_adam_cosine.py', './_base_/default_runtime.py'
]

model = dict(head=dict(num_classes=15))
