# Does a smaller distillation term help FoldingNet at the baseline's own
# tuned rate? 6 epochs, 3 seeds, linear-SVM accuracy (as
# foldingnet_shapenetcore_synthetic.py), every row at the baseline's
# learning rate (foldingnet_shapenetcore_synthetic_lr.py):
#
# * baseline: the auto-encoder alone;
# * loss-scale control (the reference): the PointMCD config at this rate
#   with the distillation off (the Chamfer loss keeps weight 1.0, so it
#   should train as the baseline does, seed for seed);
# * PointMCD, stand-in teacher, at the distillation weight
#   foldingnet_shapenetcore_synthetic_weight.py chose on validation.
#   python tools/compare_seeds.py \
#       configs/comparisons/foldingnet_shapenetcore_synthetic_tuned.py
_base_ = ['./_teachers_shapenetcore_synthetic.py']

seeds = [0, 1, 2]
metric = 'svm/accuracy'
reference = 'loss-scale control'
distilled = '../pointmcd_foldingnet_shapenetcore_synthetic.py'
baseline_lr = dict(spec='./foldingnet_shapenetcore_synthetic_lr.py',
                   row='baseline')
weight = dict(spec='./foldingnet_shapenetcore_synthetic_weight.py',
              row='PointMCD at the baseline rate (stand-in teacher)')
rows = [
    dict(name='baseline', config='../foldingnet_shapenetcore_synthetic.py',
         chosen_from=baseline_lr),
    dict(name='loss-scale control', config=distilled,
         knowledge={{_base_.knowledge_standin}}, chosen_from=baseline_lr,
         cfg_options={'model.distill_loss.loss_weight': 0.0}),
    dict(name='PointMCD, stand-in teacher', config=distilled,
         knowledge={{_base_.knowledge_standin}}, chosen_from=weight),
]
