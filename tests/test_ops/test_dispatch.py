"""Detecting mmcv's point ops must not call the functions that crash."""
import os
import subprocess
import sys
import textwrap

import torch

from pointmcd_plugin.ops.dispatch import mmcv_op_runs_on, use_mmcv_op

from ..conftest import REPO_ROOT


def test_cpu_never_dispatches_to_mmcv():
    # mmcv has no CPU kernels for its point ops: the probe says so.
    assert not mmcv_op_runs_on('cpu')
    assert not use_mmcv_op(torch.zeros(1, 4, 3))


def test_detection_does_not_call_the_segfaulting_version_queries():
    """On CUDA 13, mmcv.ops.get_compiling_cuda_version() and
    get_compiler_version() kill the process. Stand them in with an abort
    (what a segfault does), pretend a GPU is there, and go through every
    entry point that decides whether to use mmcv: detection, a knn call
    and importing the knn test module (its skipif asks at import)."""
    code = textwrap.dedent('''
        import os, sys
        import torch
        import mmcv.ops
        def crash():
            os.abort()
        mmcv.ops.get_compiling_cuda_version = crash
        mmcv.ops.get_compiler_version = crash
        torch.cuda.is_available = lambda: True
        from pointmcd_plugin.ops import knn, mmcv_cuda_ops_available
        # False on this CPU machine, True on a real GPU with mmcv's kernels:
        # either way decided without the two version queries.
        assert isinstance(mmcv_cuda_ops_available(), bool)
        knn(4, torch.rand(1, 16, 3))
        import tests.test_ops.test_knn  # noqa: F401
        print('survived')
    ''')
    # mmengine's logger reads CUDA_VISIBLE_DEVICES once it believes in a GPU.
    env = dict(os.environ, CUDA_VISIBLE_DEVICES='0')
    proc = subprocess.run([sys.executable, '-c', code], cwd=REPO_ROOT,
                          env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0 and 'survived' in proc.stdout, (
        proc.returncode, proc.stdout[-2000:], proc.stderr[-4000:])
