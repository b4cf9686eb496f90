# The PointMCD classification teacher: ImageNet-pretrained MobileNetV2 on
# each of the K views -> global average pool -> 1x1 conv 1280 -> 512 + BN +
# ReLU (per-view descriptors) -> max over views -> MLP 512 -> classes,
# applied to the global descriptor and, as side outputs, to every view.
model = dict(
    type='pointmcd_plugin.MultiViewImageTeacher',
    data_preprocessor=dict(
        type='MultiViewImagePreprocessor',
        mean=(123.675, 116.28, 103.53),
        std=(58.395, 57.12, 57.375)),
    backbone=dict(
        type='mmpretrain.MobileNetV2',
        widen_factor=1.0,
        out_indices=(7, ),
        init_cfg=dict(
            type='Pretrained',
            prefix='backbone.',
            checkpoint='https://download.openmmlab.com/mmclassification/v0/'
            'mobilenet_v2/mobilenet_v2_batch256_imagenet_20200708-'
            '3b2dc3af.pth')),
    descriptor_channels=512,
    head=dict(
        type='mmpretrain.StackedLinearClsHead',
        num_classes=40,
        in_channels=512,
        mid_channels=[512],
        norm_cfg=dict(type='BN1d'),
        loss=dict(
            type='mmpretrain.LabelSmoothLoss',
            label_smooth_val=0.2,
            mode='original'),
        topk=(1, )))
