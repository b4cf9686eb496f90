# DGCNN part segmentor (ShapeNetPart): 3 EdgeConv layers (k=40, 64/64/64),
# their concatenation embedded point-wise to 1024 channels (the point
# features a PointMCD distiller records) and max-pooled into the global
# feature; per point, the head concatenates the 3 x 64 EdgeConv outputs, the
# 1024 global feature and the category one-hot lifted to 64 (1x1 conv + BN +
# LeakyReLU): 1280 -> 256 -> 256 -> 128 -> 50 parts, dropout 0.5 after the
# first two layers; label-smoothed cross-entropy (0.2) over all parts,
# prediction restricted to the category's parts. (DGCNN's reference network
# also has a 3x3 input transform and two convs per EdgeConv; the PointMCD
# student, as here, has neither.)
model = dict(
    type='pointmcd_plugin.PointPartSegmentor',
    data_preprocessor=dict(type='PointDataPreprocessor'),
    backbone=dict(
        type='DGCNNEncoder',
        in_channels=3,
        k=40,
        edge_channels=(64, 64, 64),
        embed_channels=1024,
        global_pool=('max', )),
    head=dict(
        type='PartSegHead',
        in_channels=3 * 64 + 1024 + 64,
        num_parts=50,
        num_categories=16,
        point_feats=('level_feats.0', 'level_feats.1', 'level_feats.2'),
        global_feat='global_feat',
        category_channels=64,
        mid_channels=(256, 256, 128),
        dropout_ratio=0.5,
        dropout_after=(0, 1),
        norm_cfg=dict(type='BN1d'),
        act_cfg=dict(type='LeakyReLU', negative_slope=0.2),
        loss=dict(
            type='mmpretrain.LabelSmoothLoss',
            label_smooth_val=0.2,
            mode='original')))
