# DGCNN classifier (the PointMCD student): 4 EdgeConv (k=20) -> 1024-d point
# features -> max+avg pool (2048) -> MLP 512-256 -> classes, label-smoothed CE.
model = dict(
    type='pointmcd_plugin.PointClassifier',
    data_preprocessor=dict(type='PointDataPreprocessor'),
    backbone=dict(
        type='DGCNNEncoder',
        in_channels=3,
        k=20,
        edge_channels=(64, 64, 128, 256),
        embed_channels=1024),
    head=dict(
        type='mmpretrain.StackedLinearClsHead',
        num_classes=40,
        in_channels=2048,
        mid_channels=[512, 256],
        dropout_rate=0.5,
        norm_cfg=dict(type='BN1d'),
        act_cfg=dict(type='LeakyReLU', negative_slope=0.2),
        loss=dict(
            type='mmpretrain.LabelSmoothLoss',
            label_smooth_val=0.2,
            mode='original'),
        topk=(1, )))
