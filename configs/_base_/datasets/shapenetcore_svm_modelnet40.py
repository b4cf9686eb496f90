# Unsupervised pre-training on ShapeNetCore v2 (AnTao97's HDF5 release,
# shapenetcorev2_hdf5_2048, 55 categories: all its splits, as the
# reproductions train; nothing reads the labels), 2048 points, random
# scaling (2/3..3/2 per axis) and translation (+-0.2), the reproductions'
# "translate" augmentation. Evaluation: a linear SVM on the frozen codewords
# of ModelNet40 (HDF5 release, 2048 points, no augmentation), fitted on one
# split and scored on another inside mmengine's loops (TaggedSplitsDataset +
# LinearSVMMetric):
# * validation (every val_interval epochs, the best checkpoint): fitted on
#   ModelNet40 train minus a held-out 10 % per class, scored on that
#   held-out part, so nothing is chosen on the test split;
# * tools/test.py: fitted on the whole train split, scored on test (the
#   reported transfer accuracy).
pretrain_type = 'pointmcd_plugin.ShapeNetCoreV2HDF5Dataset'
pretrain_root = 'data/shapenetcorev2_hdf5_2048'
svm_type = 'pointmcd_plugin.ModelNet40HDF5Dataset'
svm_root = 'data/modelnet40_ply_hdf5_2048'
num_points = 2048
val_holdout = dict(fraction=0.1, seed=0)

train_pipeline = [
    dict(type='SamplePoints', num_points=num_points, method='first'),
    dict(type='RandomScaleShiftPoints', scale_range=(2. / 3., 3. / 2.),
         shift_range=0.2),
    dict(type='PackPointInputs'),
]
svm_pipeline = [
    dict(type='SamplePoints', num_points=num_points, method='first'),
    dict(type='PackPointInputs'),
]

train_dataloader = dict(
    batch_size=16,
    num_workers=4,
    persistent_workers=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=pretrain_type, data_root=pretrain_root, split='all',
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32,
    num_workers=4,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='pointmcd_plugin.TaggedSplitsDataset',
        datasets=dict(
            train=dict(type=svm_type, data_root=svm_root, split='train',
                       val_holdout=val_holdout, pipeline=svm_pipeline,
                       test_mode=True),
            val=dict(type=svm_type, data_root=svm_root, split='val',
                     val_holdout=val_holdout, pipeline=svm_pipeline,
                     test_mode=True))))
test_dataloader = dict(
    val_dataloader,
    dataset=dict(
        type='pointmcd_plugin.TaggedSplitsDataset',
        datasets=dict(
            train=dict(type=svm_type, data_root=svm_root, split='train',
                       pipeline=svm_pipeline, test_mode=True),
            test=dict(type=svm_type, data_root=svm_root, split='test',
                      pipeline=svm_pipeline, test_mode=True))))

# LinearSVC(C=1, raw features, random_state=0): the reproductions' probe.
svm_probe = dict(type='pointmcd_plugin.LinearSVMMetric',
                 feature_key='codeword', C=1.0, normalize=None,
                 max_iter=1000, fit_split='train')
val_evaluator = dict(svm_probe, score_split='val')
test_evaluator = dict(svm_probe, score_split='test')
