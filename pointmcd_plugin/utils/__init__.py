from .checkpoint_compat import (allow_mmengine_checkpoints,
                                mmengine_checkpoint_safe_globals)

__all__ = ['allow_mmengine_checkpoints', 'mmengine_checkpoint_safe_globals']
