# ScanObjectNN OBJ_BG with the 12 views rendered from the points
# themselves (the release has no meshes and no normals, hence depth
# shading), as the paper does for this dataset; for the image teacher.
_base_ = ['./scanobjectnn_objbg.py']

views = 'modelnet40_12'
image_size = 224
render = dict(type='RenderPointViews', views=views, image_size=image_size,
              shading='depth')

train_pipeline = [
    dict(type='SamplePoints', num_points={{_base_.num_points}},
         method='first'),
    dict(type='RandomScaleShiftPoints', scale_range=(2. / 3., 3. / 2.),
         shift_range=0.2),
    render,
    dict(type='PackPointInputs'),
]
test_pipeline = [
    dict(type='SamplePoints', num_points={{_base_.num_points}},
         method='first'),
    render,
    dict(type='PackPointInputs'),
]
train_dataloader = dict(batch_size=48, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=48, dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
