# The three part-segmentation teachers of the embedded part-segmentation
# comparisons and how each is produced (run in this order when a file is
# missing; from the repository root). Knowledge is always of the students'
# training split (seed 0, 480 shapes), 16 views.
#
# * own: trained only on the students' own 480 labelled shapes, the
#   honest teacher;
# * stand-in: pre-trained on other labelled procedural shapes of the same
#   categories (seed 1), the stand-in for ImageNet; it may flatter PointMCD
#   by extra labelled data of the very categories tested;
# * untrained: the teacher network as initialised, never trained (a
#   control: what the views and VAFP alone do).
teacher_own = 'configs/teacher_mobilenetv2_shapenetpart_synthetic_own.py'
teacher_standin = 'configs/teacher_mobilenetv2_shapenetpart_synthetic.py'
knowledge_own = ('work_dirs/teacher_mobilenetv2_shapenetpart_synthetic_own/'
                 'knowledge_train.npy')
knowledge_standin = ('work_dirs/teacher_mobilenetv2_shapenetpart_synthetic/'
                     'knowledge_train.npy')
knowledge_untrained = (
    'work_dirs/teacher_mobilenetv2_shapenetpart_synthetic_untrained/'
    'knowledge_train.npy')
requires = [
    dict(file='work_dirs/teacher_mobilenetv2_shapenetpart_synthetic_own/'
         'last_checkpoint',
         command=['tools/train.py', teacher_own]),
    dict(file=knowledge_own,
         command=['tools/export_teacher_knowledge.py', teacher_own,
                  'work_dirs/teacher_mobilenetv2_shapenetpart_synthetic_own',
                  '--split', 'train', '--out', knowledge_own]),
    dict(file='work_dirs/teacher_mobilenetv2_shapenetpart_synthetic/'
         'last_checkpoint',
         command=['tools/train.py', teacher_standin]),
    dict(file=knowledge_standin,
         command=['tools/export_teacher_knowledge.py', teacher_standin,
                  'work_dirs/teacher_mobilenetv2_shapenetpart_synthetic',
                  '--split', 'train', '--out', knowledge_standin]),
    dict(file=knowledge_untrained,
         command=['tools/export_teacher_knowledge.py', teacher_standin,
                  '--untrained', '--seed', '0', '--split', 'train', '--out',
                  knowledge_untrained]),
]
