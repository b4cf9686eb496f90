# Learning rate for PointNet's 10-epoch embedded part-segmentation
# schedule, chosen on the embedded validation split (60 shapes, 5 per
# category, disjoint from train and test; never the test split), for the
# baseline and for PointMCD alike (PointMCD with the honest teacher,
# trained on the students' own shapes; task loss x 0.1 as the authors'
# distiller_pn_s.py), as pointnet_synthetic_lr.py does for
# classification. One seed.
#   python tools/compare_seeds.py \
#       configs/comparisons/pointnet_shapenetpart_synthetic_lr.py
_base_ = ['./_teachers_shapenetpart_synthetic.py']

seeds = [0]
metric = 'partseg/instance_miou'
# PointMCD scales its task loss by 0.1, so under SGD its task gradient at
# lr x is the baseline's at x / 10: its sweep sits one step higher. The
# first sweep peaked at its top for both rows (baseline 0.3, PointMCD 1.0),
# so one step higher was added to each.
lr_key = 'optim_wrapper.optimizer.lr'
rows = [
    dict(name='baseline', config='../pointnet_shapenetpart_synthetic.py',
         sweep=dict(key=lr_key, values=[1.0, 0.3, 0.1, 0.03, 0.01])),
    dict(name='PointMCD (own-shapes teacher)',
         config='../pointmcd_pointnet_shapenetpart_synthetic.py',
         knowledge={{_base_.knowledge_own}},
         sweep=dict(key=lr_key, values=[3.0, 1.0, 0.3, 0.1])),
]
