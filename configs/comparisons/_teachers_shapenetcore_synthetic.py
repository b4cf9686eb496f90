# The label-free teacher of the embedded unsupervised comparisons and how
# it is produced (run in this order when a file is missing; from the
# repository root). Its knowledge is of the students' pre-training split
# (the embedded ShapeNetCore-layout train split, seed 0, 600 shapes), 16
# views, 512-d.
#
# * stand-in: the image auto-encoder pre-trained on 720 other unlabelled
#   procedural shapes (seed 1), the stand-in for the real teacher's
#   ImageNet weights. It reads no label, so unlike the classification
#   stand-in it brings no extra labelled data: only more shapes and the
#   image modality.
teacher_standin = 'configs/teacher_mobilenetv2_shapenetcore_synthetic.py'
knowledge_standin = ('work_dirs/teacher_mobilenetv2_shapenetcore_synthetic/'
                     'knowledge_train.npy')
requires = [
    dict(file='work_dirs/teacher_mobilenetv2_shapenetcore_synthetic/'
         'last_checkpoint',
         command=['tools/train.py', teacher_standin]),
    dict(file=knowledge_standin,
         command=['tools/export_teacher_knowledge.py', teacher_standin,
                  'work_dirs/teacher_mobilenetv2_shapenetcore_synthetic',
                  '--split', 'train', '--out', knowledge_standin]),
]
