# PointMCD on the embedded shapes with the online teacher: the views of
# each step are rendered from the augmented points (64 px, Lambert-shaded
# from the normals, as the embedded teacher was trained) and described by
# the frozen teacher; the student still sees xyz only.
# The teacher is the model of teacher_mobilenetv2_synthetic.py beside this
# file ({{ fileDirname }} is this config's folder, so any working directory
# finds it), with the weights its training saved last: teacher_checkpoint
# names the teacher's work dir, and the distiller loads the checkpoint that
# dir's last_checkpoint file names (a .pth file may be named instead).
# work_dirs/, like data/, is relative to the working directory.
_base_ = ['./pointmcd_pointnet_synthetic.py']

teacher_config = '{{ fileDirname }}/teacher_mobilenetv2_synthetic.py'
model = dict(teacher=teacher_config,
             teacher_checkpoint='work_dirs/teacher_mobilenetv2_synthetic')

# The cached twin's pipeline with the views in place of the cached
# knowledge, and the normals loaded for the shading but not packed.
train_pipeline = [
    dict(_base_.online_views, image_size=64)
    if step.type == 'LoadTeacherKnowledge' else step
    for step in _base_.train_pipeline[:-1]
] + [dict(_base_.train_pipeline[-1], point_channels=3)]
train_dataloader = dict(dataset=dict(load_normals=True,
                                     pipeline=train_pipeline))
