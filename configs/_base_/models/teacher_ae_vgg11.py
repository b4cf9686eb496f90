# The PointMCD label-free teacher (the authors' CNN_Backbone_Pretrainer,
# github keeganhk/PointMCD cdbs/modules.py, without its light spatial /
# channel attention): ImageNet-pretrained VGG11-bn on each of the K views
# to its last conv stage (stage 4, 512 channels at 1/16, without the last
# max pool), whose global average pool is the 512-d view descriptor
# (exported and distilled); a decoder lifts the descriptor alone to a
# 7 x 7 x 256 map and upsamples it through conv blocks 256-128-64-32 back
# to the view (224 px), trained by L1 against the view. No label is read:
# the views are packed by PackViewInputs. The authors' L1 is on [0, 1]
# images; here the target is the ImageNet-normalised view the encoder
# takes (a constant scale, about 1 / 0.23, that Adam absorbs). mmpretrain's
# VGG checkpoints hold the ImageNet classifier inside the backbone, which
# this backbone (num_classes=-1) drops: pretrained_ignore_keys says so.
model = dict(
    type='pointmcd_plugin.MultiViewAutoEncoderTeacher',
    data_preprocessor=dict(
        type='MultiViewImagePreprocessor',
        mean=(123.675, 116.28, 103.53),
        std=(58.395, 57.12, 57.375)),
    backbone=dict(
        type='mmpretrain.VGG',
        depth=11,
        norm_cfg=dict(type='BN'),
        out_indices=(4, ),
        with_last_pool=False,
        init_cfg=dict(
            type='Pretrained',
            prefix='backbone.',
            checkpoint='https://download.openmmlab.com/mmclassification/v0/'
            'vgg/vgg11_bn_batch256_imagenet_20210207-f244902c.pth')),
    pretrained_ignore_keys=('^classifier\\.', ),
    descriptor_channels=None,
    head=dict(
        type='ViewDecoderHead',
        in_channels=512,
        out_channels=3,
        seed_size=(7, 7),
        seed_channels=256,
        channels=(256, 128, 64, 32),
        loss=dict(type='mmdet.L1Loss', loss_weight=1.0)))
