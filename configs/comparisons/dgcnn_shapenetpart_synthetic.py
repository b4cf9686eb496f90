# Does PointMCD help DGCNN part segmentation on the embedded data? DGCNN's
# 6-epoch embedded part-segmentation schedule, 3 seeds, instance mIoU:
#
# * baseline (the reference): the student alone. The distilled DGCNN keeps
#   its task loss at weight 1.0 (as the authors), so unlike the
#   classification comparisons there is no loss scale to control for: the
#   config with the distillation switched off trains as the baseline;
# * PointMCD with each teacher of _teachers_shapenetpart_synthetic.py:
#   trained on the students' own shapes (honest), the stand-in for
#   ImageNet (more labelled shapes of the same categories), untrained.
# Every row runs at the configs' learning rate (0.1); no learning-rate
# sweep has been run for part segmentation yet.
#   python tools/compare_seeds.py \
#       configs/comparisons/dgcnn_shapenetpart_synthetic.py
_base_ = ['./_teachers_shapenetpart_synthetic.py']

seeds = [0, 1, 2]
metric = 'partseg/instance_miou'
reference = 'baseline'
student = '../dgcnn_shapenetpart_synthetic.py'
distilled = '../pointmcd_dgcnn_shapenetpart_synthetic.py'
rows = [
    dict(name='baseline', config=student),
    dict(name='PointMCD, own-shapes teacher', config=distilled,
         knowledge={{_base_.knowledge_own}}),
    dict(name='PointMCD, stand-in teacher', config=distilled,
         knowledge={{_base_.knowledge_standin}}),
    dict(name='PointMCD, untrained teacher', config=distilled,
         knowledge={{_base_.knowledge_untrained}}),
]
