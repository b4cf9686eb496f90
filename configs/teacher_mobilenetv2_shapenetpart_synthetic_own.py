# The embedded part-segmentation teacher trained only on the students' own
# labelled shapes (the 480 shapes of the students' training split, seed 0),
# from scratch on labelled views rendered from the points: the honest
# teacher. Whatever a student gains from it comes from the image modality
# and the views, not from extra labelled data (compare
# teacher_mobilenetv2_shapenetpart_synthetic.py, the stand-in for ImageNet,
# pre-trained on 960 other labelled procedural shapes). Same network,
# views (16 at 32 px) and validation, and the same budget in views seen:
# two epochs over its 480 shapes (240 steps of 4 shapes, about 10 minutes
# on 2 CPU cores at 2.5 s a step) where the stand-in makes one over its
# 960. Measured on a shared 2-core CPU (load 6-9: 5-9 s a step, 25
# minutes): pixel mIoU 15.1 (validation) / 15.0 (test) untrained, 33.0
# after the first epoch, 37.2 / 36.4 after the second. Export its
# knowledge of the training split (the work dir: its last checkpoint):
#   python tools/export_teacher_knowledge.py \
#       configs/teacher_mobilenetv2_shapenetpart_synthetic_own.py \
#       work_dirs/teacher_mobilenetv2_shapenetpart_synthetic_own \
#       --split train --out \
#       work_dirs/teacher_mobilenetv2_shapenetpart_synthetic_own/knowledge_train.npy
_base_ = ['./teacher_mobilenetv2_shapenetpart_synthetic.py']

train_dataloader = dict(
    dataset=dict(data_root={{_base_.data_root}},
                 generate={{_base_.synthetic_generate}}))

max_epochs = 2
param_scheduler = [
    dict(_base_.param_scheduler[0], T_max=max_epochs, end=max_epochs)
]
train_cfg = dict(max_epochs=max_epochs)
