# The regime study, distillation weight against task weight (PointNet,
# full embedded data, 12 epochs): PointMCD without the paper's task-loss
# scale (task weight 1.0) at the baseline's own tuned learning rate
# (pointnet_synthetic_lr.py), its distillation weight chosen here on the
# validation split. The paper's setting (task 0.1, distillation 1.0) is
# the pointnet_synthetic.py table; this asks whether the distillation adds
# anything on top of the tuned baseline itself. One seed; the 3-seed
# comparison is pointnet_synthetic_task1.py.
#   python tools/compare_seeds.py \
#       configs/comparisons/pointnet_synthetic_task1_weight.py
_base_ = ['./_teachers_synthetic.py']

seeds = [0]
metric = 'cls/overall_acc'
baseline_lr = dict(spec='./pointnet_synthetic_lr.py', row='baseline')
rows = [
    dict(name='PointMCD, task weight 1 (own-shapes teacher)',
         config='../pointmcd_pointnet_synthetic.py',
         knowledge={{_base_.knowledge_own}}, chosen_from=baseline_lr,
         cfg_options={'model.task_loss_weight': 1.0},
         sweep=dict(key='model.distill_loss.loss_weight',
                    values=[0.1, 0.3, 1.0])),
]
