# ModelNet40 (HDF5 release) seen as 12 rendered views per shape, for the
# image teacher: 1024 points with normals, rendered from the points
# (Lambert shading, 224 px, the modelnet40_12 cameras). The views are
# uint8 (12, 1, 224, 224); the teacher's preprocessor normalises them.
_base_ = ['./modelnet40_hdf5.py']

views = 'modelnet40_12'
image_size = 224
render = dict(type='RenderPointViews', views=views, image_size=image_size)

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
train_dataloader = dict(
    batch_size=48,
    dataset=dict(load_normals=True, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=48,
    dataset=dict(load_normals=True, pipeline=test_pipeline))
test_dataloader = val_dataloader
