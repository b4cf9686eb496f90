# The embedded twin of shapenetcore_svm_modelnet40.py: pre-training on the
# embedded set in the ShapeNetCore v2 HDF5 layout (SyntheticShapesCoreDataset,
# its train split: nothing reads its labels), the linear SVM on the embedded
# classification set (SyntheticShapesClsDataset, 12 classes), both generated
# under data/synthetic_shapes on first use. The embedded layouts hold the
# same shape for a (class, split, index), so pre-training reads the core
# train split only: the shapes the SVM is scored on (cls val and test) are
# never reconstructed in training. 512 points instead of 2048.
# Validation: SVM fitted on cls train, scored on cls val; tools/test.py:
# fitted on cls train, scored on cls test.
_base_ = ['./shapenetcore_svm_modelnet40.py']

pretrain_type = 'pointmcd_plugin.SyntheticShapesCoreDataset'
svm_type = 'pointmcd_plugin.SyntheticShapesClsDataset'
data_root = 'data/synthetic_shapes'
core_generate = dict(seed=0, num_train_per_class=50, num_val_per_class=10,
                     num_test_per_class=20, num_points=2048)
cls_generate = dict(seed=0, num_train_per_class=50, num_val_per_class=20,
                    num_test_per_class=20, num_points=2048)
num_points = 512

train_pipeline = [
    dict(_base_.train_pipeline[0], num_points=num_points),
    *_base_.train_pipeline[1:]
]
svm_pipeline = [
    dict(_base_.svm_pipeline[0], num_points=num_points),
    *_base_.svm_pipeline[1:]
]
svm_dataset = dict(type=svm_type, data_root=data_root,
                   generate=cls_generate, pipeline=svm_pipeline,
                   test_mode=True)

train_dataloader = dict(
    num_workers=2,
    dataset=dict(_delete_=True, type=pretrain_type, data_root=data_root,
                 split='train', generate=core_generate,
                 pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=2,
    dataset=dict(_delete_=True, type='pointmcd_plugin.TaggedSplitsDataset',
                 datasets=dict(train=dict(svm_dataset, split='train'),
                               val=dict(svm_dataset, split='val'))))
test_dataloader = dict(
    num_workers=2,
    dataset=dict(_delete_=True, type='pointmcd_plugin.TaggedSplitsDataset',
                 datasets=dict(train=dict(svm_dataset, split='train'),
                               test=dict(svm_dataset, split='test'))))
