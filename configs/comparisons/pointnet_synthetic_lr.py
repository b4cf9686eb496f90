# Learning rate for PointNet's 12-epoch embedded schedule, chosen on the
# embedded validation split (never the test split), for the baseline and
# for PointMCD alike (PointMCD with the honest teacher, the one trained on
# the students' own shapes; task loss x 0.1 as in the paper). One seed:
# the sweep picks an order of magnitude, the 3-seed table then runs at it.
#   python tools/compare_seeds.py configs/comparisons/pointnet_synthetic_lr.py
_base_ = ['./_teachers_synthetic.py']

seeds = [0]
metric = 'cls/overall_acc'
# PointMCD scales its task loss by 0.1, so under SGD its task gradient at
# lr x is the baseline's at x / 10: its sweep sits one step higher.
lr_key = 'optim_wrapper.optimizer.lr'
rows = [
    dict(name='baseline', config='../pointnet_synthetic.py',
         sweep=dict(key=lr_key, values=[0.1, 0.03, 0.01, 0.003])),
    dict(name='PointMCD (own-shapes teacher)',
         config='../pointmcd_pointnet_synthetic.py',
         knowledge={{_base_.knowledge_own}},
         sweep=dict(key=lr_key, values=[0.3, 0.1, 0.03])),
]
