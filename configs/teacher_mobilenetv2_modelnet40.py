# Stage 1 of PointMCD: the multi-view image teacher on ModelNet40 (12 views
# rendered from 1024 points, 224 px), ImageNet-pretrained MobileNetV2, Adam
# 1e-4 cosine to 1e-6, 128 epochs, batch 48. The paper reports 96.7 OA for
# its (mesh-rendered) teacher. Then export its knowledge:
#   python tools/export_teacher_knowledge.py \
#       configs/teacher_mobilenetv2_modelnet40.py \
#       work_dirs/teacher_mobilenetv2_modelnet40/best_*.pth --split train \
#       --out work_dirs/teacher_mobilenetv2_modelnet40/knowledge_train.npy
_base_ = [
    './_base_/datasets/modelnet40_hdf5_views.py',
    './_base_/models/teacher_mobilenetv2.py',
    './_base_/schedules/teacher_adam_cosine.py', './_base_/default_runtime.py'
]
