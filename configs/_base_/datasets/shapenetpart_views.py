# ShapeNetPart seen as 16 labelled views per shape, for the part-
# segmentation image teacher: the base's 2048 points with normals,
# rendered (Lambert shading, the shapenet_16 cameras: azimuth k * 45 deg at
# elevations +-30 deg) at 224 px, the authors' view size (their image
# auto-encoder decodes a 7 x 7 map through five 2x upsamplings and compares
# it with the view by L1, cdbs/modules.py). Beside every grey view,
# RenderPointViews(part_labels=True) draws its label image from the same
# z-buffer: the part of the point owning each pixel, 50 (= the number of
# parts) on empty pixels, as in the authors' mv_image_labeled_16 PNGs.
# Packed: img (16, 1, 224, 224) uint8, gt_view_part_label (16, 224, 224).
# Batch 2 shapes = 32 views, the authors' 32 images per step.
_base_ = ['./shapenetpart.py']

views = 'shapenet_16'
image_size = 224
num_parts = 50
render = dict(type='RenderPointViews', views=views, image_size=image_size,
              part_labels=True, label_background=num_parts)

# The points' pipelines with the rendering before PackPartSegInputs, in
# place of ShufflePoints in training.
train_pipeline = [
    *_base_.train_pipeline[:-2], render, _base_.train_pipeline[-1]
]
test_pipeline = [*_base_.test_pipeline[:-1], render, _base_.test_pipeline[-1]]
train_dataloader = dict(batch_size=2, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=2, dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(batch_size=2, dataset=dict(pipeline=test_pipeline))

# Pixel mIoU of the views (their category's parts and the background).
val_evaluator = dict(type='pointmcd_plugin.PixelMIoUMetric')
test_evaluator = val_evaluator
