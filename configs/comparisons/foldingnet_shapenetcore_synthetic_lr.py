# Learning rate for FoldingNet's 6-epoch embedded schedule, chosen on the
# embedded validation split (linear-SVM accuracy on the frozen codewords of
# the embedded classification set's val split) for the baseline and for
# PointMCD alike, as the classification sweeps do. One seed. The configs'
# 1e-4 is the reproductions' rate for 278 epochs on ShapeNetCore; at 6
# epochs on 600 shapes (228 steps) the decoders it trains collapse to a
# line (README), so the sweep reaches upward; 3e-5 (and 1e-5 for
# PointMCD) were added when PointMCD's choice came out at the bottom of
# the first range.
#   python tools/compare_seeds.py \
#       configs/comparisons/foldingnet_shapenetcore_synthetic_lr.py
_base_ = ['./_teachers_shapenetcore_synthetic.py']

seeds = [0]
metric = 'svm/accuracy'
lr_key = 'optim_wrapper.optimizer.lr'
lrs = [3e-3, 1e-3, 3e-4, 1e-4, 3e-5]
rows = [
    dict(name='baseline', config='../foldingnet_shapenetcore_synthetic.py',
         sweep=dict(key=lr_key, values=lrs)),
    dict(name='PointMCD (stand-in teacher)',
         config='../pointmcd_foldingnet_shapenetcore_synthetic.py',
         knowledge={{_base_.knowledge_standin}},
         sweep=dict(key=lr_key, values=lrs + [1e-5])),
]
