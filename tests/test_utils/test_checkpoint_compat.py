import os.path as osp
import pickle

import pytest
import torch

import pointmcd_plugin  # noqa: F401
from ..tiny_cfg import build_runner, tiny_cfg


class NotAllowListed:
    pass


def test_weights_only_still_rejects_unknown_objects(tmp_path):
    path = str(tmp_path / 'evil.pth')
    torch.save({'obj': NotAllowListed()}, path)
    with pytest.raises(Exception, match='NotAllowListed'):
        torch.load(path)  # weights_only=True by default on torch >= 2.6


@pytest.mark.slow
def test_resume_and_load_from_on_new_torch(tiny_synthetic_root, tmp_path):
    work_dir = str(tmp_path / 'work')
    cfg = tiny_cfg(tiny_synthetic_root, work_dir)
    build_runner(cfg).train()
    ckpt = osp.join(work_dir, 'epoch_2.pth')
    assert osp.isfile(ckpt)
    # mmengine's own checkpoint contents pass the weights_only unpickler.
    state = torch.load(ckpt, map_location='cpu')
    assert state['meta']['epoch'] == 2 and 'message_hub' in state

    # --resume: continue the interrupted schedule (now 3 epochs long).
    cfg = tiny_cfg(tiny_synthetic_root, work_dir)
    cfg.merge_from_dict({'train_cfg.max_epochs': 3, 'resume': True,
                         'param_scheduler.0.T_max': 3,
                         'param_scheduler.0.end': 3})
    runner = build_runner(cfg)
    runner.load_or_resume()
    assert runner.epoch == 2 and runner.iter == state['meta']['iter']
    for k, v in runner.model.state_dict().items():
        torch.testing.assert_close(v.cpu(), state['state_dict'][k])
    runner.train()
    assert runner.epoch == 3
    assert osp.isfile(osp.join(work_dir, 'epoch_3.pth'))

    # load_from: weights only, schedule from scratch.
    cfg = tiny_cfg(tiny_synthetic_root, str(tmp_path / 'finetune'))
    cfg.load_from = ckpt
    runner = build_runner(cfg)
    runner.load_or_resume()
    assert runner.epoch == 0
    for k, v in runner.model.state_dict().items():
        torch.testing.assert_close(v.cpu(), state['state_dict'][k])


def test_getattr_stand_in_only_resolves_history_buffer_methods():
    from mmengine.logging.history_buffer import HistoryBuffer

    from pointmcd_plugin.utils.checkpoint_compat import \
        history_buffer_getattr
    assert history_buffer_getattr(HistoryBuffer, 'min') is HistoryBuffer.min
    for obj, name in ((HistoryBuffer, '__init__'), (object, 'mro'),
                      (HistoryBuffer(), 'min'), (HistoryBuffer, 'missing')):
        with pytest.raises(pickle.UnpicklingError, match='refusing getattr'):
            history_buffer_getattr(obj, name)
