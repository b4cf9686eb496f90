# Upstream mmdet3d runtime (scope, env, log processor) plus the plugin.
_base_ = ['mmdet3d::_base_/default_runtime.py']

custom_imports = dict(imports=['pointmcd_plugin'], allow_failed_imports=False)

# mmengine's Runner, plus gloo DDP on CPU-only hosts and persistent_workers
# dropped when num_workers=0: any client's train.py (upstream mmdet3d's
# included) builds it from here.
runner_type = 'PointMCDRunner'

# Every run is seeded; override with --cfg-options randomness.seed=N
# (randomness.deterministic=True also makes cuDNN deterministic on a GPU).
randomness = dict(seed=0, deterministic=False)

# Upstream hooks, with checkpoints kept for --resume and the best one saved,
# and mmdet3d's box-drawing visualisation hook replaced by one that draws
# classified shapes (tools/test.py --show-dir DIR; off otherwise).
default_hooks = dict(
    _delete_=True,
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=10),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='CheckpointHook', interval=1, max_keep_ckpts=2,
        save_best='auto'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='PointClsVisualizationHook'))

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(
    type='PointClsVisualizer', vis_backends=vis_backends, name='visualizer')
