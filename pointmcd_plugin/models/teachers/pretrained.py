"""Refuse a ``Pretrained`` checkpoint that does not fit its module.

mmengine's ``PretrainedInit`` loads with ``strict=False`` and only logs a
warning for missing, unexpected or wrongly shaped keys, so a teacher built
with the wrong checkpoint (another depth, width or architecture) would
start from random weights without anyone noticing.
"""
import re
from typing import Dict, List, Sequence

from mmengine.runner.checkpoint import (_load_checkpoint,
                                        _load_checkpoint_with_prefix)
from torch import Tensor, nn

_SHOWN = 5


def pretrained_cfgs(init_cfg) -> List[Dict]:
    """The ``type='Pretrained'`` entries of a module's ``init_cfg``."""
    cfgs = init_cfg if isinstance(init_cfg, list) else [init_cfg]
    return [c for c in cfgs if isinstance(c, dict)
            and c.get('type') == 'Pretrained']


def load_pretrained_state(cfg: Dict) -> Dict[str, Tensor]:
    """The state dict ``PretrainedInit`` would load for ``cfg``."""
    if cfg.get('prefix') is not None:
        return _load_checkpoint_with_prefix(cfg['prefix'], cfg['checkpoint'],
                                            map_location='cpu')
    checkpoint = _load_checkpoint(cfg['checkpoint'], map_location='cpu')
    state = checkpoint.get('state_dict', checkpoint)
    return {re.sub(r'^module\.', '', k): v for k, v in state.items()}


def _listed(keys: List[str]) -> str:
    more = f' ... ({len(keys)} in all)' if len(keys) > _SHOWN else ''
    return ', '.join(keys[:_SHOWN]) + more


def check_pretrained_fits(module: nn.Module,
                          ignore_unexpected: Sequence[str] = ()) -> None:
    """Raise if a ``Pretrained`` init_cfg of ``module`` or of one of its
    submodules names a checkpoint whose keys or shapes differ from the
    module's state dict.

    Args:
        module (nn.Module): The initialised module.
        ignore_unexpected (Sequence[str]): Regular expressions (searched
            with ``re.search``) of checkpoint keys the module has no place
            for and that are dropped knowingly, e.g. ``'^classifier\\.'``
            for the ImageNet classifier inside mmpretrain's ``VGG``
            checkpoints when the backbone is built without one.

    Raises:
        ValueError: naming the checkpoint, the prefix and the missing,
            unexpected and mismatched keys.
    """
    for name, sub in module.named_modules():
        for cfg in pretrained_cfgs(getattr(sub, 'init_cfg', None)):
            state = load_pretrained_state(cfg)
            expected = sub.state_dict()
            missing = sorted(set(expected) - set(state))
            unexpected = sorted(
                k for k in set(state) - set(expected)
                if not any(re.search(p, k) for p in ignore_unexpected))
            mismatched = [
                f'{k} (checkpoint {tuple(state[k].shape)}, model '
                f'{tuple(v.shape)})' for k, v in expected.items()
                if k in state and state[k].shape != v.shape
            ]
            if not (missing or unexpected or mismatched):
                continue
            problems = [f'{what}: {_listed(keys)}' for what, keys in (
                ('missing in the checkpoint', missing),
                ('unexpected in the checkpoint', unexpected),
                ('shape mismatch', mismatched)) if keys]
            raise ValueError(
                f"Pretrained checkpoint {cfg['checkpoint']!r} (prefix "
                f"{cfg.get('prefix')!r}) does not fit "
                f"{name or type(module).__name__} "
                f'({type(sub).__name__}): ' + '; '.join(problems) +
                '. Check the architecture arguments (depth, widen_factor, '
                '...) and the prefix against the checkpoint.')
