# Does PointMCD help PointNet when labels are few? The fair comparison of
# pointnet_synthetic.py in the few-label regime (10 labelled shapes per
# class, pointnet_synthetic_10shot.py), 3 seeds, every row at the learning
# rate chosen for it on validation (pointnet_synthetic_10shot_lr.py; the
# control at PointMCD's): baseline, loss-scale control (the reference),
# PointMCD with the teacher trained on the same 120 shapes and with the
# stand-in for ImageNet (_teachers_synthetic_10shot.py).
#   python tools/compare_seeds.py configs/comparisons/pointnet_synthetic_10shot.py
_base_ = ['./_teachers_synthetic_10shot.py']

seeds = [0, 1, 2]
metric = 'cls/overall_acc'
reference = 'loss-scale control'
student = '../pointnet_synthetic_10shot.py'
distilled = '../pointmcd_pointnet_synthetic_10shot.py'
sweep = './pointnet_synthetic_10shot_lr.py'
baseline_lr = dict(spec=sweep, row='baseline')
pointmcd_lr = dict(spec=sweep, row='PointMCD (own-shapes teacher)')
rows = [
    dict(name='baseline', config=student, chosen_from=baseline_lr),
    dict(name='loss-scale control', config=distilled,
         knowledge={{_base_.knowledge_own_10shot}}, chosen_from=pointmcd_lr,
         cfg_options={'model.distill_loss.loss_weight': 0.0}),
    dict(name='PointMCD, own-shapes teacher', config=distilled,
         knowledge={{_base_.knowledge_own_10shot}}, chosen_from=pointmcd_lr),
    dict(name='PointMCD, stand-in teacher', config=distilled,
         knowledge={{_base_.knowledge_standin_10shot}},
         chosen_from=pointmcd_lr),
]
