# PointNet part segmentor (ShapeNetPart): input T-Net, shared MLP
# 64-64-64-128-1024 with the 64 x 64 feature transform after the first two
# layers (its orthogonality regulariser, weight 0.001, is
# loss_feat_transform), max pool to the 1024 global feature; per point, the
# head concatenates the outputs of the five layers (the local features,
# 1344 channels; the last one, 1024, is what a PointMCD distiller records),
# the global feature and the category one-hot lifted to 64 (1x1 conv + BN
# + ReLU; PointNet's reference concatenates the raw one-hot):
# 2432 -> 256 -> 256 -> 128 -> 50 parts, dropout 0.2 after the first two
# layers (PointNet's keep probability 0.8); label-smoothed cross-entropy
# (0.05), prediction restricted to the category's parts.
model = dict(
    type='pointmcd_plugin.PointPartSegmentor',
    data_preprocessor=dict(type='PointDataPreprocessor'),
    backbone=dict(
        type='PointNetEncoder',
        in_channels=3,
        channels=(64, 64, 64, 128, 1024),
        input_transform=True,
        feature_transform=True,
        feature_transform_after=2,
        feature_transform_reg_weight=0.001),
    head=dict(
        type='PartSegHead',
        in_channels=(64 + 64 + 64 + 128 + 1024) + 1024 + 64,
        num_parts=50,
        num_categories=16,
        point_feats=('level_feats.0', 'level_feats.1', 'level_feats.2',
                     'level_feats.3', 'level_feats.4'),
        global_feat='global_feat',
        category_channels=64,
        mid_channels=(256, 256, 128),
        dropout_ratio=0.2,
        dropout_after=(0, 1),
        norm_cfg=dict(type='BN1d'),
        act_cfg=dict(type='ReLU'),
        loss=dict(
            type='mmpretrain.LabelSmoothLoss',
            label_smooth_val=0.05,
            mode='original')))
