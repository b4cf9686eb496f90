# The PointMCD part-segmentation teacher (the authors' Teacher_Seg, github
# keeganhk/PointMCD cdbs/modules.py, without its light spatial / channel
# attention): ImageNet-pretrained VGG11-bn on each of the K views, its
# stages 0, 1, 2 (skips, 64 / 128 / 256 channels at 1/2, 1/4, 1/8) and 4
# (the bottleneck, 512 channels at 1/16, without the last max pool) ->
# U-Net decoder conditioned on the category (one-hot lifted to 64, fused
# with the bottleneck's average pool to 128 and broadcast over it) -> 51
# classes per pixel (50 parts + background, label 50), cross-entropy over
# all classes; prediction restricted to the category's parts and the
# background. The distilled view descriptor is the global average pool of
# the bottleneck (512-d). mmpretrain's VGG checkpoints hold the ImageNet
# classifier inside the backbone, which this backbone (num_classes=-1)
# drops: pretrained_ignore_keys says so.
model = dict(
    type='pointmcd_plugin.MultiViewPartSegTeacher',
    data_preprocessor=dict(
        type='MultiViewImagePreprocessor',
        mean=(123.675, 116.28, 103.53),
        std=(58.395, 57.12, 57.375)),
    backbone=dict(
        type='mmpretrain.VGG',
        depth=11,
        norm_cfg=dict(type='BN'),
        out_indices=(0, 1, 2, 4),
        with_last_pool=False,
        init_cfg=dict(
            type='Pretrained',
            prefix='backbone.',
            checkpoint='https://download.openmmlab.com/mmclassification/v0/'
            'vgg/vgg11_bn_batch256_imagenet_20210207-f244902c.pth')),
    pretrained_ignore_keys=('^classifier\\.', ),
    head=dict(
        type='UNetPartSegHead',
        in_channels=(64, 128, 256, 512),
        num_parts=50,
        num_categories=16,
        category_channels=64,
        fuse_channels=128,
        out_channels=64,
        loss=dict(type='mmpretrain.CrossEntropyLoss', loss_weight=1.0)))
