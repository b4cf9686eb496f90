# Baseline DGCNN part segmentation on ShapeNetPart (normal release, 2048
# points, xyz): the PointMCD paper's student recipe (SGD 0.1 -> 0.001
# cosine, weight decay 1e-4, 250 epochs, batch 32). Trains on train and
# validates on val; for the papers' protocol (train + val, test) see
# _base_/datasets/shapenetpart.py. Reported baseline: 85.1 instance mIoU.
_base_ = [
    './_base_/datasets/shapenetpart.py', './_base_/models/dgcnn_partseg.py',
    './_base_/schedules/seg_sgd_cosine.py', './_base_/default_runtime.py'
]
