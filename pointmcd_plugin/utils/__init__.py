from .checkpoint_compat import (allow_mmengine_checkpoints,
                                mmengine_checkpoint_safe_globals)
from .checkpoints import resolve_checkpoint

__all__ = [
    'allow_mmengine_checkpoints', 'mmengine_checkpoint_safe_globals',
    'resolve_checkpoint'
]
