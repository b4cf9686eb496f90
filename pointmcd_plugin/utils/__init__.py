from .checkpoint_compat import (allow_mmengine_checkpoints,
                                mmengine_checkpoint_safe_globals)
from .dist import setup_cpu_distributed

__all__ = [
    'allow_mmengine_checkpoints', 'mmengine_checkpoint_safe_globals',
    'setup_cpu_distributed'
]
