# The PointMCD segmentation teacher's schedule (the authors' teacher_s.py):
# Adam, lr 1e-4 annealed (cosine) to 5e-6, weight decay 1e-5. They train
# 100k iterations of 32 single views; at 2 shapes x 16 views per batch that
# is about 16 epochs of ShapeNetPart's train split (12137 shapes).
_base_ = ['./teacher_adam_cosine.py']

max_epochs = 16
optim_wrapper = dict(optimizer=dict(lr=1e-4, weight_decay=1e-5))
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(_base_.param_scheduler[0], T_max=max_epochs, eta_min=5e-6,
         end=max_epochs)
]
