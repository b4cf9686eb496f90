# PointNet classifier: input T-Net, shared MLP 64-64-64-128-1024, max pool,
# MLP 512-256 (dropout 0.3 as in PointNet) -> classes.
model = dict(
    type='pointmcd_plugin.PointClassifier',
    data_preprocessor=dict(type='PointDataPreprocessor'),
    backbone=dict(
        type='PointNetEncoder',
        in_channels=3,
        channels=(64, 64, 64, 128, 1024),
        input_transform=True),
    head=dict(
        type='mmpretrain.StackedLinearClsHead',
        num_classes=40,
        in_channels=1024,
        mid_channels=[512, 256],
        dropout_rate=0.3,
        norm_cfg=dict(type='BN1d'),
        act_cfg=dict(type='ReLU'),
        loss=dict(
            type='mmpretrain.LabelSmoothLoss',
            label_smooth_val=0.2,
            mode='original'),
        topk=(1, )))
