# The embedded image teacher trained only on the students' own labelled
# shapes (the 600 shapes of the students' training split, seed 0), from
# scratch on views rendered from the points: the paper's "teacher trained
# from scratch on point renderings" condition. Whatever a student gains
# from it comes from the image modality and the views, not from extra
# labelled data (compare teacher_mobilenetv2_synthetic.py, the stand-in
# for ImageNet, pre-trained on 1,200 other labelled shapes). Same network,
# views and schedule. Export its knowledge of the training split (the
# work dir: its last checkpoint, see teacher_mobilenetv2_synthetic.py):
#   python tools/export_teacher_knowledge.py \
#       configs/teacher_mobilenetv2_synthetic_own.py \
#       work_dirs/teacher_mobilenetv2_synthetic_own --split train \
#       --out work_dirs/teacher_mobilenetv2_synthetic_own/knowledge_train.npy
_base_ = ['./teacher_mobilenetv2_synthetic.py']

train_dataloader = dict(
    dataset=dict(data_root={{_base_.data_root}},
                 generate={{_base_.synthetic_generate}}))
