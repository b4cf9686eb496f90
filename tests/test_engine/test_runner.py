"""PointMCDRunner and the runtime base: what any client's train.py gets."""
import glob
import os.path as osp
import re

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import RUNNERS

import pointmcd_plugin  # noqa: F401
from pointmcd_plugin.engine import PointMCDRunner

from ..conftest import REPO_ROOT
from ..tiny_cfg import build_runner, tiny_cfg


def test_configs_name_the_runner_and_a_seed():
    for name in ('dgcnn_synthetic.py', 'pointnet_modelnet40.py'):
        cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs', name))
        assert cfg.runner_type == 'PointMCDRunner'
        assert RUNNERS.get(cfg.runner_type) is PointMCDRunner
        assert cfg.randomness.seed == 0


def test_num_workers_zero_drops_persistent_workers(tiny_synthetic_root,
                                                   tmp_path):
    from mmengine.registry import init_default_scope
    cfg = tiny_cfg(tiny_synthetic_root, str(tmp_path))
    init_default_scope(cfg.default_scope)  # as the runner does
    loader = cfg.train_dataloader
    assert loader.persistent_workers and loader.num_workers == 0
    built = PointMCDRunner.build_dataloader(loader, seed=0)
    assert built.num_workers == 0 and not built.persistent_workers
    # The config itself is left as it was.
    assert loader.persistent_workers
    # With workers the flag is kept.
    loader = dict(loader, num_workers=1)
    assert PointMCDRunner.build_dataloader(loader, seed=0).persistent_workers


def final_state(work_dir):
    ckpt = sorted(glob.glob(osp.join(work_dir, 'epoch_*.pth')))[-1]
    return torch.load(ckpt, map_location='cpu')['state_dict']


def val_accuracies(work_dir):
    log = sorted(glob.glob(osp.join(work_dir, '*', '*.log')))[-1]
    with open(log) as f:
        text = f.read()
    return re.findall(r'cls/overall_acc: ([\d.]+)', text), text


@pytest.mark.slow
def test_same_seed_same_result_on_cpu(tiny_synthetic_root, tmp_path):
    """Two runs of the config with its default seed, two data workers each
    (as the real configs), end with identical weights and accuracies; a
    third run with another seed does not."""
    states, accs = [], []
    for run, seed in (('a', None), ('b', None), ('c', 1)):
        work_dir = str(tmp_path / run)
        cfg = tiny_cfg(tiny_synthetic_root, work_dir)
        cfg.merge_from_dict({'train_dataloader.num_workers': 2})
        if seed is not None:
            cfg.merge_from_dict({'randomness.seed': seed})
        build_runner(cfg).train()
        states.append(final_state(work_dir))
        acc, log = val_accuracies(work_dir)
        accs.append(acc)
        assert f'seed: {0 if seed is None else seed}' in log  # logged
    assert accs[0] == accs[1] and len(accs[0]) == 2
    for k in states[0]:
        torch.testing.assert_close(states[0][k], states[1][k], rtol=0, atol=0)
    assert any(not torch.equal(states[0][k], states[2][k])
               for k in states[0] if states[0][k].is_floating_point())


def test_cpu_distributed_launch_needs_torchrun(monkeypatch):
    from pointmcd_plugin.engine.runner.runner import init_cpu_process_group
    for key in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT'):
        monkeypatch.delenv(key, raising=False)
    with pytest.raises(RuntimeError, match='torchrun'):
        init_cpu_process_group('pytorch', {})
    with pytest.raises(RuntimeError, match="'slurm' without a GPU"):
        init_cpu_process_group('slurm', {})


def test_cpu_process_group_is_destroyed_at_exit(monkeypatch):
    """The gloo group the runner starts is registered for destruction at
    interpreter exit; the handler tolerates a group already destroyed."""
    import socket

    import torch.distributed as dist

    from pointmcd_plugin.engine.runner import runner as runner_mod
    with socket.socket() as s:  # a free port for the one-process group
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    for key, value in dict(RANK='0', WORLD_SIZE='1', MASTER_ADDR='127.0.0.1',
                           MASTER_PORT=str(port)).items():
        monkeypatch.setenv(key, value)
    registered = []
    monkeypatch.setattr(runner_mod.atexit, 'register', registered.append)
    dist_cfg = dict(backend='nccl', timeout=60)
    assert not dist.is_initialized()
    try:
        runner_mod.init_cpu_process_group('pytorch', dist_cfg)
        assert dist.is_initialized() and dist.get_backend() == 'gloo'
        assert dist_cfg['backend'] == 'gloo'  # the logged environment
        assert registered == [runner_mod.destroy_process_group]
        registered[0]()
        assert not dist.is_initialized()
        registered[0]()  # already gone: a no-op, not an error
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()
