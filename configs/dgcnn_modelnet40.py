# Baseline DGCNN on ModelNet40 (HDF5 release, 1024 points): the PointMCD
# paper's student recipe (SGD 0.1 -> 0.001 cosine, 350 epochs, batch 24).
# Reported baseline: 92.9 OA.
_base_ = [
    './_base_/datasets/modelnet40_hdf5.py', './_base_/models/dgcnn_cls.py',
    './_base_/schedules/cls_sgd_cosine.py', './_base_/default_runtime.py'
]
