# PointNet++ single-scale grouping (SSG) classifier built from mmdet3d's
# own modules: its PointNet2SASSG backbone (512 and 128 anchors by furthest
# point sampling, ball radii 0.2 and 0.4, 32 and 64 neighbours, no feature
# propagation), a global set abstraction over the 128 anchors (mmdet3d's
# PointSAModule with GroupAll, as GlobalSANeck: PointNet2SASSG cannot end
# with that level itself) and the classification head of the other
# students. mmdet3d's names resolve bare (the runtime's default scope is
# mmdet3d); on CPU tensors mmcv's point ops run through the plugin's torch
# paths. mmdet3d's own _base_/models/pointnet2_ssg.py is a segmentation
# model (EncoderDecoder3D, six input channels, FP layers, decode head), so
# its settings are written here rather than inherited.
norm_cfg = dict(type='BN2d')
model = dict(
    type='pointmcd_plugin.PointClassifier',
    data_preprocessor=dict(type='PointDataPreprocessor'),
    backbone=dict(
        type='PointNet2SASSG',
        in_channels=3,
        num_points=(512, 128),
        radius=(0.2, 0.4),
        num_samples=(32, 64),
        sa_channels=((64, 64, 128), (128, 128, 256)),
        fp_channels=(),
        norm_cfg=norm_cfg,
        sa_cfg=dict(type='PointSAModule', pool_mod='max', use_xyz=True,
                    normalize_xyz=False)),
    neck=dict(
        type='GlobalSANeck',
        sa_cfg=dict(type='PointSAModule', num_point=None, radius=None,
                    num_sample=None, mlp_channels=[256, 256, 512, 1024],
                    norm_cfg=norm_cfg, use_xyz=True)),
    head=dict(
        type='mmpretrain.StackedLinearClsHead',
        num_classes=40,
        in_channels=1024,
        mid_channels=[512, 256],
        dropout_rate=0.5,
        norm_cfg=dict(type='BN1d'),
        act_cfg=dict(type='ReLU'),
        loss=dict(
            type='mmpretrain.LabelSmoothLoss',
            label_smooth_val=0.2,
            mode='original'),
        topk=(1, )))
