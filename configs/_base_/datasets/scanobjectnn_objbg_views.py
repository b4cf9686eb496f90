# ScanObjectNN OBJ_BG with the 12 views rendered from the points
# themselves (the release has no meshes and no normals, hence depth
# shading), as the paper does for this dataset; for the image teacher.
_base_ = ['./scanobjectnn_objbg.py']

views = 'modelnet40_12'
image_size = 224
render = dict(type='RenderPointViews', views=views, image_size=image_size,
              shading='depth')

# The points' pipelines with the rendering before PackPointInputs, in
# place of ShufflePoints in training.
train_pipeline = [
    *_base_.train_pipeline[:-2], render, _base_.train_pipeline[-1]
]
test_pipeline = [*_base_.test_pipeline[:-1], render, _base_.test_pipeline[-1]]
train_dataloader = dict(batch_size=48, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=48, dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
