"""An mmengine ``Runner`` that any client's ``train.py`` builds from the
config (``runner_type``), carrying what mmengine 0.10 lacks for this
plugin's users.

* **Distributed training without a GPU.** mmengine 0.10.7's ``init_dist``
  calls ``torch.cuda.set_device`` and its DDP wrapper passes
  ``device_ids=[LOCAL_RANK]``; both fail on a CPU-only host, so upstream
  mmdet3d's ``dist_train.sh`` cannot train there. Without a visible GPU
  this runner starts the gloo process group from the torchrun environment
  and wraps the model with ``device_ids=None``; the group it started is
  destroyed when the interpreter exits (upstream ``tools/train.py`` never
  destroys it, and gloo's threads left running at exit can abort a rank
  after its training finished: "terminate called without an active
  exception"). With a GPU nothing changes (NCCL, mmengine's own set-up).
* **Workers tied to ``num_workers``.** ``persistent_workers=True`` with
  ``num_workers=0`` (the usual debugging override) makes torch's
  ``DataLoader`` raise; the flag is dropped when there are no workers.

It is registered in mmengine's root ``RUNNERS`` registry, which is where
upstream ``tools/train.py`` and ``tools/test.py`` look a ``runner_type`` up
(``RUNNERS.build(cfg)``, before any default scope exists).
"""
import atexit
import os
from typing import Dict, Optional, Union

import torch.distributed as dist
from mmengine.device import get_device
from mmengine.dist import is_distributed
from mmengine.logging import print_log
from mmengine.registry import RUNNERS
from mmengine.runner import Runner
from torch import nn
from torch.utils.data import DataLoader

# Environment a process started by torchrun (``--launcher pytorch``) has.
TORCHRUN_ENV = ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT')


def cpu_distributed(launcher: str) -> bool:
    """Whether this is a distributed launch on a host without any
    accelerator mmengine knows (CUDA, NPU, MLU, MPS, MUSA)."""
    return launcher != 'none' and get_device() == 'cpu'


def init_cpu_process_group(launcher: str, dist_cfg: Dict) -> None:
    """Start the gloo process group for a CPU-only distributed launch.

    Args:
        launcher (str): Only ``'pytorch'`` (torchrun) is supported without
            a GPU; slurm and mpi launches go through mmengine's NCCL set-up.
        dist_cfg (dict): ``env_cfg.dist_cfg``; its ``backend`` is set to
            ``'gloo'`` (in place, so the logged environment says so) and
            its ``timeout`` (seconds) is honoured.
    """
    if launcher != 'pytorch':
        raise RuntimeError(
            f'launcher {launcher!r} without a GPU is not supported; start '
            'CPU training with torchrun (tools/dist_train.sh, '
            '--launcher pytorch)')
    missing = [k for k in TORCHRUN_ENV if k not in os.environ]
    if missing:
        raise RuntimeError(
            f'--launcher pytorch needs {missing} in the environment: start '
            'it with torchrun (tools/dist_train.sh)')
    if dist_cfg.get('backend', 'gloo') != 'gloo':
        print_log(f"dist_cfg backend {dist_cfg['backend']!r} needs a GPU; "
                  'using gloo', logger='current')
    dist_cfg['backend'] = 'gloo'
    kwargs = {}
    if dist_cfg.get('timeout') is not None:
        import datetime
        kwargs['timeout'] = datetime.timedelta(seconds=dist_cfg['timeout'])
    dist.init_process_group(backend='gloo', **kwargs)
    atexit.register(destroy_process_group)


def destroy_process_group() -> None:
    """Destroy the default process group if one is still running (a no-op
    otherwise, so a client that destroyed it itself is left alone)."""
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


@RUNNERS.register_module()
class PointMCDRunner(Runner):
    """mmengine's ``Runner``, also at home on CPU-only hosts.

    Use it with ``runner_type = 'PointMCDRunner'`` (the plugin's runtime
    base sets it). Behaviour on a GPU is mmengine's; see the module
    docstring for what changes without one.
    """

    def setup_env(self, env_cfg: Dict) -> None:
        if self.distributed and not is_distributed() and \
                cpu_distributed(self.launcher):
            dist_cfg = env_cfg.get('dist_cfg')
            if dist_cfg is None:
                dist_cfg = env_cfg['dist_cfg'] = {}
            init_cpu_process_group(self.launcher, dist_cfg)
        super().setup_env(env_cfg)

    def wrap_model(self, model_wrapper_cfg: Optional[Dict],
                   model: nn.Module) -> nn.Module:
        if self.distributed and cpu_distributed(self.launcher):
            wrapper = dict(model_wrapper_cfg or
                           dict(type='MMDistributedDataParallel'))
            wrapper['device_ids'] = None  # the module stays on the CPU
            wrapper.setdefault('broadcast_buffers', False)
            wrapper.setdefault('find_unused_parameters',
                               self.cfg.get('find_unused_parameters', False))
            model_wrapper_cfg = wrapper
        return super().wrap_model(model_wrapper_cfg, model)

    @staticmethod
    def build_dataloader(dataloader: Union[DataLoader, Dict],
                         seed: Optional[int] = None,
                         diff_rank_seed: bool = False) -> DataLoader:
        if isinstance(dataloader, dict) and \
                dataloader.get('persistent_workers') and \
                not dataloader.get('num_workers'):
            dataloader = dict(dataloader)
            dataloader['persistent_workers'] = False
        return Runner.build_dataloader(dataloader, seed=seed,
                                       diff_rank_seed=diff_rank_seed)
