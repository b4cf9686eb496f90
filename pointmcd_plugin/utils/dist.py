"""Distributed training on machines without a GPU (gloo), for mmengine 0.10.

mmengine 0.10.7's ``init_dist`` calls ``torch.cuda.set_device`` and its
default DDP wrapper passes ``device_ids=[LOCAL_RANK]``; both fail for CPU
modules. When no GPU is visible we initialise the gloo process group
ourselves (the runner then skips its own init) and wrap the model with
``device_ids=None``. With a GPU nothing changes: NCCL via mmengine.
"""
import os

import torch
import torch.distributed as dist
from mmengine.config import Config


def setup_cpu_distributed(cfg: Config, launcher: str) -> None:
    """Prepare ``cfg`` (in place) and the process group for CPU DDP."""
    if launcher == 'none' or torch.cuda.is_available():
        return
    if launcher != 'pytorch':
        raise RuntimeError(
            f'--launcher {launcher} without a GPU is not supported; run '
            'CPU training with tools/dist_train.sh (torchrun, '
            '--launcher pytorch)')
    missing = [k for k in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT')
               if k not in os.environ]
    if missing:
        raise RuntimeError(f'--launcher pytorch needs {missing} in the '
                           'environment; start it with torchrun '
                           '(tools/dist_train.sh)')
    env_cfg = cfg.get('env_cfg') or {}
    env_cfg['dist_cfg'] = dict(backend='gloo')
    cfg.env_cfg = env_cfg
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo')
    wrapper = dict(cfg.get('model_wrapper_cfg') or
                   dict(type='MMDistributedDataParallel'))
    wrapper['device_ids'] = None
    wrapper.setdefault('broadcast_buffers', False)
    wrapper.setdefault('find_unused_parameters',
                       cfg.get('find_unused_parameters', False))
    cfg.model_wrapper_cfg = wrapper
