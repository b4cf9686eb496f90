"""Whether mmcv's point ops are used is decided by running mmcv's own knn
kernel once per device (cached), never by the version queries that
crash."""
import os
import subprocess
import sys
import textwrap
from types import SimpleNamespace

import pytest
import torch

from pointmcd_plugin.ops import dispatch
from pointmcd_plugin.ops.dispatch import mmcv_op_runs_on, use_mmcv_op

from ..conftest import REPO_ROOT


def test_cpu_never_dispatches_to_mmcv():
    # mmcv has no CPU kernels for its point ops: the probe says so.
    assert not mmcv_op_runs_on('cpu')
    assert not use_mmcv_op(torch.zeros(1, 4, 3))


@pytest.fixture
def fake_probe(monkeypatch):
    """The probe's answers by device (None: mmcv runs there), recording
    every probe; the cache is emptied before and after."""
    answers, asked = {}, []

    def probe(device):
        asked.append(str(device))
        return answers.get(str(device), 'no kernel image is available')

    monkeypatch.setattr(dispatch, '_probe_knn', probe)
    dispatch.mmcv_op_runs_on.cache_clear()
    yield answers, asked
    dispatch.mmcv_op_runs_on.cache_clear()


def test_decision_follows_the_probe_and_is_cached(fake_probe):
    answers, asked = fake_probe
    answers['cuda:0'] = None  # mmcv's kernel ran there
    assert mmcv_op_runs_on('cuda:0') and not mmcv_op_runs_on('cuda:1')
    assert mmcv_op_runs_on(torch.device('cuda', 0))
    assert not mmcv_op_runs_on('cuda:1')
    assert asked == ['cuda:0', 'cuda:1']  # once per device
    # use_mmcv_op asks about the tensors' one device (it reads only
    # ``.device``: stand-ins for GPU tensors); mixed devices never use mmcv.
    on = [SimpleNamespace(device=torch.device(d)) for d in
          ('cuda:0', 'cuda:0', 'cuda:1', 'cpu')]
    assert use_mmcv_op(on[0], on[1])
    assert not use_mmcv_op(on[2]) and not use_mmcv_op(on[3])
    assert not use_mmcv_op(on[0], on[2]) and not use_mmcv_op(on[0], on[3])
    assert asked == ['cuda:0', 'cuda:1']


def test_cuda_availability_asks_the_probe_only_with_a_gpu(fake_probe,
                                                          monkeypatch):
    answers, asked = fake_probe
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    assert not dispatch.mmcv_cuda_ops_available()
    assert asked == []
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    answers['cuda'] = None
    assert dispatch.mmcv_cuda_ops_available()
    answers['cuda'] = 'no kernel image is available'
    assert dispatch.mmcv_cuda_ops_available()  # cached
    dispatch.mmcv_op_runs_on.cache_clear()
    assert not dispatch.mmcv_cuda_ops_available()
    assert asked == ['cuda', 'cuda']


@pytest.mark.slow
def test_detection_does_not_call_the_segfaulting_version_queries():
    """On CUDA 13, mmcv.ops.get_compiling_cuda_version() and
    get_compiler_version() kill the process. Stand them in with an abort
    (what a segfault does: hence a subprocess), pretend a GPU is there, and
    go through every entry point that decides whether to use mmcv:
    detection, a knn call and importing the knn test module (its skipif
    asks at import). The answer must be the kernel probe's, asked once."""
    code = textwrap.dedent('''
        import os, sys
        import torch
        import mmcv.ops
        def crash():
            os.abort()
        mmcv.ops.get_compiling_cuda_version = crash
        mmcv.ops.get_compiler_version = crash
        real_gpu = torch.cuda.is_available()
        torch.cuda.is_available = lambda: True
        from pointmcd_plugin.ops import dispatch, knn
        probed = []
        real_probe = dispatch._probe_knn
        def probe(device):
            probed.append(real_probe(device))
            return probed[-1]
        dispatch._probe_knn = probe
        answer = dispatch.mmcv_cuda_ops_available()
        assert len(probed) == 1 and answer == (probed[0] is None), probed
        if not real_gpu:  # no device to run the kernel on: the probe says
            assert not answer and probed[0], probed
        knn(4, torch.rand(1, 16, 3))
        import tests.test_ops.test_knn  # noqa: F401
        assert dispatch.mmcv_cuda_ops_available() == answer
        assert len(probed) == 1  # cached
        print('survived')
    ''')
    # mmengine's logger reads CUDA_VISIBLE_DEVICES once it believes in a GPU.
    env = dict(os.environ, CUDA_VISIBLE_DEVICES='0')
    proc = subprocess.run([sys.executable, '-c', code], cwd=REPO_ROOT,
                          env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0 and 'survived' in proc.stdout, (
        proc.returncode, proc.stdout[-2000:], proc.stderr[-4000:])
