# Learning rate for PointNet++'s (mmdet3d PointNet2SASSG) 8-epoch embedded schedule, chosen on the
# embedded validation split for the baseline and for PointMCD alike (the
# honest teacher, trained on the students' own shapes), as
# pointnet_synthetic_lr.py does for PointNet. One seed. PointMCD scales its
# task loss by 0.1, so its values reach one step above the baseline's (1.0
# is the baseline's 0.1 in task gradient): the PointNet and DGCNN sweeps
# chose PointMCD's top value.
#   python tools/compare_seeds.py configs/comparisons/pointnet2_synthetic_lr.py
_base_ = ['./_teachers_synthetic.py']

seeds = [0]
metric = 'cls/overall_acc'
lr_key = 'optim_wrapper.optimizer.lr'
rows = [
    dict(name='baseline', config='../pointnet2_synthetic.py',
         sweep=dict(key=lr_key, values=[0.1, 0.03, 0.01, 0.003])),
    dict(name='PointMCD (own-shapes teacher)',
         config='../pointmcd_pointnet2_synthetic.py',
         knowledge={{_base_.knowledge_own}},
         sweep=dict(key=lr_key, values=[1.0, 0.3, 0.1, 0.03])),
]
