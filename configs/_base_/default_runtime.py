# Upstream mmdet3d runtime (scope, env, log processor) plus the plugin.
_base_ = ['mmdet3d::_base_/default_runtime.py']

custom_imports = dict(imports=['pointmcd_plugin'], allow_failed_imports=False)

# Upstream hooks minus Det3DVisualizationHook (it draws 3D boxes; shapes
# have none), with checkpoints kept for --resume and the best one saved.
default_hooks = dict(
    _delete_=True,
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=10),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='CheckpointHook', interval=1, max_keep_ckpts=2,
        save_best='auto'),
    sampler_seed=dict(type='DistSamplerSeedHook'))

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(
    type='Visualizer', vis_backends=vis_backends, name='visualizer')
