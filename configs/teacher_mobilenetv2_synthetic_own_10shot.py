# The embedded image teacher of the few-label regime, trained only on the
# 120 labelled shapes of pointnet_synthetic_10shot.py (10 per class), for
# about the number of steps of teacher_mobilenetv2_synthetic_own.py (40
# epochs of 3 batches, 120 steps, against 8 epochs of 18, 144), validating
# every 5 epochs. Export
# its knowledge of that training split:
#   python tools/export_teacher_knowledge.py \
#       configs/teacher_mobilenetv2_synthetic_own_10shot.py \
#       work_dirs/teacher_mobilenetv2_synthetic_own_10shot --split train \
#       --out work_dirs/teacher_mobilenetv2_synthetic_own_10shot/knowledge_train.npy
_base_ = ['./teacher_mobilenetv2_synthetic_own.py']

data_root = 'data/synthetic_shapes_10shot'
synthetic_generate = dict(num_train_per_class=10)
train_dataloader = dict(
    dataset=dict(data_root=data_root, generate=synthetic_generate))
# The export reads the training split through the test dataset.
test_dataloader = dict(
    dataset=dict(data_root=data_root, generate=synthetic_generate))

max_epochs = 40
train_cfg = dict(max_epochs=max_epochs, val_interval=5)
param_scheduler = [
    dict(_base_.param_scheduler[0], T_max=max_epochs, end=max_epochs)
]
