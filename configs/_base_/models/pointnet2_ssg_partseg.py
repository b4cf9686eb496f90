# PointNet++ (SSG) part segmentor (ShapeNetPart) from mmdet3d's own modules:
# its PointNet2SASSG backbone with two set-abstraction levels (512 and 128
# anchors by furthest point sampling, radii 0.2 and 0.4, 32 and 64
# neighbours) and two feature-propagation levels back to the input points
# (384 -> 256 -> 128 at the 512 anchors, 128 -> 128 -> 128 -> 128 at all
# points: fp_features[-1], (B, 128, N), channels first), the global set
# abstraction over the 128 anchors as the neck (GlobalSANeck, mmdet3d's
# PointSAModule with GroupAll: 256 -> 256 -> 512 -> 1024, as in the
# classifier), and a head over the propagated point feature, the 1024
# global feature and the category one-hot lifted to 64:
# 1216 -> 128 -> 50 parts, dropout 0.5; label-smoothed cross-entropy
# (0.05), prediction restricted to the category's parts. mmdet3d's
# PointNet2SASSG cannot end with the global level, so the global feature
# joins at the head (PointNet++'s reference network propagates it through
# a third FP level instead). On CPU tensors mmcv's point ops run through
# the plugin's torch paths.
norm_cfg = dict(type='BN2d')
model = dict(
    type='pointmcd_plugin.PointPartSegmentor',
    data_preprocessor=dict(type='PointDataPreprocessor'),
    backbone=dict(
        type='PointNet2SASSG',
        in_channels=3,
        num_points=(512, 128),
        radius=(0.2, 0.4),
        num_samples=(32, 64),
        sa_channels=((64, 64, 128), (128, 128, 256)),
        fp_channels=((256, 128), (128, 128, 128)),
        norm_cfg=norm_cfg,
        sa_cfg=dict(type='PointSAModule', pool_mod='max', use_xyz=True,
                    normalize_xyz=False)),
    neck=dict(
        type='GlobalSANeck',
        sa_cfg=dict(type='PointSAModule', num_point=None, radius=None,
                    num_sample=None, mlp_channels=[256, 256, 512, 1024],
                    norm_cfg=norm_cfg, use_xyz=True)),
    head=dict(
        type='PartSegHead',
        in_channels=128 + 1024 + 64,
        num_parts=50,
        num_categories=16,
        point_feats=('fp_features.-1', ),
        channels_first=True,
        global_feat='global_feat',
        category_channels=64,
        mid_channels=(128, ),
        dropout_ratio=0.5,
        dropout_after=(0, ),
        norm_cfg=dict(type='BN1d'),
        act_cfg=dict(type='ReLU'),
        loss=dict(
            type='mmpretrain.LabelSmoothLoss',
            label_smooth_val=0.05,
            mode='original')))
