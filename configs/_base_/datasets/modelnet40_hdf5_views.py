# ModelNet40 (HDF5 release) seen as 12 rendered views per shape, for the
# image teacher: 1024 points with normals, rendered from the points
# (Lambert shading, 224 px, the modelnet40_12 cameras). The views are
# uint8 (12, 1, 224, 224); the teacher's preprocessor normalises them.
_base_ = ['./modelnet40_hdf5.py']

views = 'modelnet40_12'
image_size = 224
render = dict(type='RenderPointViews', views=views, image_size=image_size)

# The points' pipelines with the rendering before PackPointInputs, in
# place of ShufflePoints in training.
train_pipeline = [
    *_base_.train_pipeline[:-2], render, _base_.train_pipeline[-1]
]
test_pipeline = [*_base_.test_pipeline[:-1], render, _base_.test_pipeline[-1]]
train_dataloader = dict(
    batch_size=48,
    dataset=dict(load_normals=True, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=48,
    dataset=dict(load_normals=True, pipeline=test_pipeline))
test_dataloader = val_dataloader
