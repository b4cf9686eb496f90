"""A tiny version of configs/dgcnn_synthetic.py for tests (seconds on CPU)."""
import os.path as osp

from mmengine.config import Config

from .conftest import REPO_ROOT, TINY_GENERATE

TINY_POINTS = 64


LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def loader_options(data_root: str, num_points: int,
                   batch_size: int = 8) -> dict:
    """--cfg-options that point every loader of an embedded-data config at
    a tiny generated set, in one process, at ``num_points`` points."""
    opts = {}
    for loader in LOADERS:
        opts.update({
            f'{loader}.batch_size': batch_size,
            # The configs keep persistent_workers=True: PointMCDRunner drops
            # it for num_workers=0.
            f'{loader}.num_workers': 0,
            f'{loader}.dataset.data_root': data_root,
            f'{loader}.dataset.pipeline.0.num_points': num_points,
        })
        for k, v in TINY_GENERATE.items():
            opts[f'{loader}.dataset.generate.{k}'] = v
    return opts


def tiny_cfg_options(data_root: str, work_dir: str = None) -> dict:
    """--cfg-options that shrink dgcnn_synthetic to a few seconds."""
    opts = {
        'train_cfg.max_epochs': 2,
        'param_scheduler.0.T_max': 2,
        'param_scheduler.0.end': 2,
        'model.backbone.k': 8,
        'model.backbone.embed_channels': 64,
        'model.head.in_channels': 128,
        'default_hooks.logger.interval': 1,
    }
    opts.update(loader_options(data_root, TINY_POINTS))
    if work_dir is not None:
        opts['work_dir'] = work_dir
    return opts


def tiny_cfg(data_root: str, work_dir: str) -> Config:
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs', 'dgcnn_synthetic.py'))
    cfg.merge_from_dict(tiny_cfg_options(data_root, work_dir))
    return cfg


def build_runner(cfg: Config):
    """The runner as upstream mmdet3d's tools/train.py builds it."""
    from mmengine.registry import RUNNERS
    from mmengine.runner import Runner
    if 'runner_type' not in cfg:
        return Runner.from_cfg(cfg)
    return RUNNERS.build(cfg)


def as_cli(opts: dict) -> list:
    return [f'{k}={v}' for k, v in opts.items()]


# The embedded part-segmentation configs and what shrinks each student to
# seconds on CPU at TINY_PARTSEG_POINTS points.
TINY_PARTSEG_POINTS = 128
PARTSEG_CONFIGS = dict(
    dgcnn='configs/dgcnn_shapenetpart_synthetic.py',
    pointnet='configs/pointnet_shapenetpart_synthetic.py',
    pointnet2='configs/pointnet2_shapenetpart_synthetic.py')
TINY_PARTSEG_MODELS = dict(
    # k 8, 64-d embedding: head input 3 x 64 + 64 + 64.
    dgcnn={'model.backbone.k': 8, 'model.backbone.embed_channels': 64,
           'model.head.in_channels': 320},
    pointnet={},
    # 32 and 8 anchors.
    pointnet2={'model.backbone.num_points': '(32,8)'})


def partseg_loader_options(data_root: str, num_points: int,
                           batch_size: int = 8) -> dict:
    """--cfg-options that point every loader of an embedded part-
    segmentation config at the tiny generated set (TINY_PARTSEG_GENERATE),
    in one process, at ``num_points`` points (SamplePoints is step 2 of
    the part-segmentation pipelines)."""
    from .conftest import TINY_PARTSEG_GENERATE
    opts = {}
    for loader in LOADERS:
        opts.update({
            f'{loader}.batch_size': batch_size,
            f'{loader}.num_workers': 0,
            f'{loader}.dataset.data_root': data_root,
            f'{loader}.dataset.pipeline.2.num_points': num_points,
        })
        for k, v in TINY_PARTSEG_GENERATE.items():
            opts[f'{loader}.dataset.generate.{k}'] = v
    return opts


def partseg_tiny_options(student: str, data_root: str,
                         work_dir: str = None, max_epochs: int = 1) -> dict:
    """--cfg-options that shrink PARTSEG_CONFIGS[student] to seconds."""
    opts = {
        'train_cfg.max_epochs': max_epochs,
        'param_scheduler.0.T_max': max_epochs,
        'param_scheduler.0.end': max_epochs,
        'default_hooks.logger.interval': 1,
    }
    opts.update(TINY_PARTSEG_MODELS[student])
    opts.update(partseg_loader_options(data_root, TINY_PARTSEG_POINTS))
    if work_dir is not None:
        opts['work_dir'] = work_dir
    return opts


# The embedded FoldingNet config and what shrinks it to seconds on CPU: the
# tiny core set tiny_synthetic_root generates (pre-training) and the tiny
# classification set (TINY_GENERATE, the SVM), TINY_AE_POINTS points, an
# 8 x 8 folding grid and narrow layers.
FOLDINGNET_CONFIG = 'configs/foldingnet_shapenetcore_synthetic.py'
TINY_AE_POINTS = 64
# As tiny_synthetic_root's core=... (seed 0).
TINY_CORE_GENERATE = dict(seed=0, num_train_per_class=2, num_val_per_class=1,
                          num_test_per_class=1, num_points=256)
TINY_AE_MODEL = {
    'model.backbone.graph_channels': '(32,64)',
    'model.neck.in_channels': 64,
    'model.neck.channels': '(32,32)',
    'model.head.in_channels': 32,
    'model.head.mid_channels': 32,
    'model.head.grid_size': '(8,8)',
}


def foldingnet_tiny_options(data_root: str, work_dir: str = None,
                            max_epochs: int = 1,
                            batch_size: int = 8) -> dict:
    """--cfg-options that shrink FOLDINGNET_CONFIG to seconds: training
    on the tiny core set, the SVM loaders (a TaggedSplitsDataset of two
    splits each) on the tiny classification set, in one process."""
    opts = {
        'train_cfg.max_epochs': max_epochs,
        'default_hooks.logger.interval': 1,
        'train_dataloader.batch_size': batch_size,
        'train_dataloader.num_workers': 0,
        'train_dataloader.dataset.data_root': data_root,
        'train_dataloader.dataset.pipeline.0.num_points': TINY_AE_POINTS,
    }
    opts.update(TINY_AE_MODEL)
    for k, v in TINY_CORE_GENERATE.items():
        opts[f'train_dataloader.dataset.generate.{k}'] = v
    for loader, splits in (('val_dataloader', ('train', 'val')),
                           ('test_dataloader', ('train', 'test'))):
        opts[f'{loader}.batch_size'] = batch_size
        opts[f'{loader}.num_workers'] = 0
        for split in splits:
            key = f'{loader}.dataset.datasets.{split}'
            opts[f'{key}.data_root'] = data_root
            opts[f'{key}.pipeline.0.num_points'] = TINY_AE_POINTS
            for k, v in TINY_GENERATE.items():
                opts[f'{key}.generate.{k}'] = v
    if work_dir is not None:
        opts['work_dir'] = work_dir
    return opts
