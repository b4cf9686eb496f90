# The teachers of the few-label regime (10 labelled shapes per class, see
# configs/pointnet_synthetic_10shot.py) and how each is produced; knowledge
# is of that regime's 120-shape training split.
#
# * own: trained only on those 120 labelled shapes (the honest teacher);
# * stand-in: the stand-in for ImageNet of _teachers_synthetic.py
#   (pre-trained on 1,200 other labelled shapes of the same classes, ten
#   times the students' labels here: the regime where it may flatter
#   PointMCD most), its knowledge exported for the 120 shapes.
_base_ = ['./_teachers_synthetic.py']

teacher_own_10shot = 'configs/teacher_mobilenetv2_synthetic_own_10shot.py'
knowledge_own_10shot = ('work_dirs/teacher_mobilenetv2_synthetic_own_10shot/'
                        'knowledge_train.npy')
knowledge_standin_10shot = ('work_dirs/teacher_mobilenetv2_synthetic/'
                            'knowledge_train_10shot.npy')
requires = [
    dict(file='work_dirs/teacher_mobilenetv2_synthetic_own_10shot/'
         'last_checkpoint',
         command=['tools/train.py', teacher_own_10shot]),
    dict(file=knowledge_own_10shot,
         command=['tools/export_teacher_knowledge.py', teacher_own_10shot,
                  'work_dirs/teacher_mobilenetv2_synthetic_own_10shot',
                  '--split', 'train', '--out', knowledge_own_10shot]),
    dict(file='work_dirs/teacher_mobilenetv2_synthetic/last_checkpoint',
         command=['tools/train.py', {{_base_.teacher_standin}}]),
    dict(file=knowledge_standin_10shot,
         command=['tools/export_teacher_knowledge.py',
                  {{_base_.teacher_standin}},
                  'work_dirs/teacher_mobilenetv2_synthetic',
                  '--split', 'train', '--out', knowledge_standin_10shot,
                  '--cfg-options',
                  'test_dataloader.dataset.data_root='
                  'data/synthetic_shapes_10shot',
                  'test_dataloader.dataset.generate.num_train_per_class=10']),
]
