# Upstream mmdet3d runtime (scope, hooks, env, log processor) plus the plugin.
_base_ = ['mmdet3d::_base_/default_runtime.py']

custom_imports = dict(imports=['pointmcd_plugin'], allow_failed_imports=False)

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),
    # Keep the last checkpoints (for --resume) and the best one.
    checkpoint=dict(
        type='CheckpointHook', interval=1, max_keep_ckpts=2,
        save_best='auto'),
    # Det3DVisualizationHook draws 3D boxes; nothing to draw for shapes.
    visualization=None)

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(
    type='Visualizer', vis_backends=vis_backends, name='visualizer')
