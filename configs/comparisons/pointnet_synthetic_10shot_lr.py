# Learning rate for the few-label regime (pointnet_synthetic_10shot.py:
# 10 labelled shapes per class, the baseline's number of steps), chosen on
# the embedded validation split as in pointnet_synthetic_lr.py, for the
# baseline and for PointMCD (with the teacher trained on the same 120
# shapes). PointMCD's range reaches one step above the full-data sweep's
# choice (0.3, the top of that range).
#   python tools/compare_seeds.py configs/comparisons/pointnet_synthetic_10shot_lr.py
_base_ = ['./_teachers_synthetic_10shot.py']

seeds = [0]
metric = 'cls/overall_acc'
lr_key = 'optim_wrapper.optimizer.lr'
rows = [
    dict(name='baseline', config='../pointnet_synthetic_10shot.py',
         sweep=dict(key=lr_key, values=[0.1, 0.03, 0.01, 0.003])),
    dict(name='PointMCD (own-shapes teacher)',
         config='../pointmcd_pointnet_synthetic_10shot.py',
         knowledge={{_base_.knowledge_own_10shot}},
         sweep=dict(key=lr_key, values=[1.0, 0.3, 0.1])),
]
