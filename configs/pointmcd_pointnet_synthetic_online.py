# PointMCD on the embedded shapes with the online teacher: the views of
# each step are rendered from the augmented points (64 px, Lambert-shaded
# from the normals, as the embedded teacher was trained) and described by
# the frozen teacher; the student still sees xyz only.
_base_ = ['./pointmcd_pointnet_synthetic.py']

teacher_config = 'configs/teacher_mobilenetv2_synthetic.py'
model = dict(
    teacher=teacher_config,
    teacher_checkpoint='work_dirs/teacher_mobilenetv2_synthetic/epoch_8.pth')

train_pipeline = [
    dict(type='SamplePoints', num_points={{_base_.num_points}},
         method='first'),
    dict(type='RandomScaleShiftPoints', scale_range=(2. / 3., 3. / 2.),
         shift_range=0.2),
    {{_base_.visibility}},
    dict(type='RenderPointViews', views={{_base_.distill_views}},
         image_size=64),
    dict(type='ShufflePoints'),
    dict(type='PackPointInputs', point_channels=3),
]
train_dataloader = dict(dataset=dict(load_normals=True,
                                     pipeline=train_pipeline))
