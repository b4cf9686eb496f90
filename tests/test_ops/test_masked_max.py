"""masked_view_max: every backend against a brute-force masked max."""
import importlib.util
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
from torch.autograd import Function
from torch.utils._python_dispatch import TorchDispatchMode

from pointmcd_plugin.ops import masked_max, masked_view_max
from pointmcd_plugin.ops.masked_max import (masked_max_backends,
                                            resolve_backend, torch_view_max)

from ..conftest import REPO_ROOT

HAS_TRITON = importlib.util.find_spec('triton') is not None
needs_gpu = pytest.mark.skipif(not torch.cuda.is_available(),
                               reason='needs a CUDA GPU')


def brute_force(feats: torch.Tensor, visibility: torch.Tensor):
    """Loop over samples and views in float64 numpy.

    Returns values (B, K, C) (0 for empty views) and the first point
    attaining each maximum, argmax (B, K, C) (-1 for empty views).
    """
    f, v = feats.detach().double().cpu().numpy(), visibility.cpu().numpy()
    (num_samples, _, channels), num_views = f.shape, v.shape[-1]
    values = np.zeros((num_samples, num_views, channels))
    argmax = np.full((num_samples, num_views, channels), -1)
    for b in range(num_samples):
        for k in range(num_views):
            seen = np.flatnonzero(v[b, :, k])
            if seen.size:
                rows = f[b, seen]
                values[b, k] = rows.max(0)
                argmax[b, k] = seen[rows.argmax(0)]  # first maximum
    return values, argmax


def brute_force_grad(argmax: np.ndarray, grad_out: torch.Tensor,
                     num_points: int) -> np.ndarray:
    """d(sum(values * grad_out)) / d(feats): each grad to its argmax."""
    g = grad_out.detach().double().cpu().numpy()
    num_samples, num_views, channels = argmax.shape
    grad = np.zeros((num_samples, num_points, channels))
    for b in range(num_samples):
        for k in range(num_views):
            for c in range(channels):
                if argmax[b, k, c] >= 0:
                    grad[b, argmax[b, k, c], c] += g[b, k, c]
    return grad


def make_inputs(shape, seed, ties=False, dtype=torch.float32, device='cpu'):
    """Features with negative values (small integers when ``ties``) and a
    visibility with an empty view and a view that sees a single point."""
    num_samples, num_points, num_views, channels = shape
    g = torch.Generator().manual_seed(seed)
    if ties:
        feats = torch.randint(-4, 2, (num_samples, num_points, channels),
                              generator=g).to(dtype)
    else:
        feats = torch.randn(num_samples, num_points, channels, generator=g,
                            dtype=dtype) - 1
    vis = torch.rand(num_samples, num_points, num_views, generator=g) < 0.3
    vis[0, :, 0] = False
    vis[-1, :, -1] = False
    vis[-1, num_points // 2, -1] = True
    return feats.to(device), vis.to(device)


def check_against_brute_force(feats, vis, backend):
    """Values, valid and gradients of ``backend`` equal the brute force."""
    feats = feats.clone().requires_grad_()
    values, valid = masked_view_max(feats, vis, backend=backend)
    ref_values, ref_argmax = brute_force(feats, vis)
    assert values.dtype == feats.dtype and valid.dtype == torch.bool
    np.testing.assert_array_equal(values.detach().double().cpu().numpy(),
                                  ref_values)
    assert torch.equal(valid, vis.any(dim=1))
    grad_out = torch.randn_like(values)
    values.backward(grad_out)
    np.testing.assert_allclose(
        feats.grad.double().cpu().numpy(),
        brute_force_grad(ref_argmax, grad_out, feats.shape[1]),
        rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize('ties', [False, True])
@pytest.mark.parametrize('shape', [(3, 40, 5, 7), (2, 33, 12, 70)])
def test_torch_matches_brute_force(shape, ties, monkeypatch):
    # A small chunk: several samples per step for the first shape, several
    # channel steps per sample for the second.
    monkeypatch.setattr(masked_max, '_CHUNK_ELEMENTS', 6000)
    feats, vis = make_inputs(shape, seed=sum(shape), ties=ties)
    check_against_brute_force(feats, vis, 'torch')
    _, argmax = torch_view_max(feats, vis)
    np.testing.assert_array_equal(argmax.numpy(), brute_force(feats, vis)[1])


def test_torch_gradcheck_in_double():
    feats, vis = make_inputs((2, 6, 3, 4), seed=1, dtype=torch.float64)
    feats.requires_grad_()
    assert torch.autograd.gradcheck(
        lambda f: masked_view_max(f, vis, backend='torch')[0], (feats, ))


@pytest.mark.parametrize('backend', ['auto', 'torch'])
def test_all_empty_views_give_zeros_and_finite_grads(backend):
    feats = torch.randn(2, 8, 5, requires_grad=True)
    vis = torch.zeros(2, 8, 3, dtype=torch.bool)
    values, valid = masked_view_max(feats, vis, backend=backend)
    assert not valid.any()
    assert torch.equal(values, torch.zeros(2, 3, 5))
    values.sum().backward()
    assert torch.equal(feats.grad, torch.zeros_like(feats))


class _LargestTensor(TorchDispatchMode):
    """Records the element count of the largest tensor any op returns."""

    def __init__(self):
        super().__init__()
        self.numel = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for t in out if isinstance(out, (tuple, list)) else (out, ):
            if isinstance(t, torch.Tensor):
                self.numel = max(self.numel, t.numel())
        return out


def _largest_tensor_of_fwd_bwd(fn, feats, vis):
    feats = feats.clone().requires_grad_()
    with _LargestTensor() as mode:
        values = fn(feats, vis)
        values.backward(torch.ones_like(values))
    return mode.numel


def test_torch_path_never_materialises_points_times_views(monkeypatch):
    chunk = 2048
    monkeypatch.setattr(masked_max, '_CHUNK_ELEMENTS', chunk)
    shape = num_samples, num_points, num_views, channels = (4, 64, 8, 96)
    feats, vis = make_inputs(shape, seed=0)
    dense = num_samples * num_views * num_points * channels
    # The recorder sees the dense formulation's (B, K, N, C) tensor ...
    assert _largest_tensor_of_fwd_bwd(
        lambda f, v: (f[:, None] * v.transpose(1, 2)[..., None]).amax(2),
        feats, vis) == dense
    # ... and nothing beyond feats, a chunk or a (K, N) mask in torch's.
    bound = max(num_samples * num_points * channels, chunk,
                num_views * num_points)
    assert _largest_tensor_of_fwd_bwd(
        lambda f, v: masked_view_max(f, v, backend='torch')[0], feats,
        vis) <= bound < dense


def test_backend_choice_and_unavailable_backends():
    feats, vis = make_inputs((1, 4, 2, 3), seed=0)
    assert resolve_backend('auto', feats, vis) == 'torch'
    assert 'mmcv' not in masked_max_backends(feats, vis)
    with pytest.raises(RuntimeError, match='CUDA kernels only'):
        masked_view_max(feats, vis, backend='mmcv')
    if os.environ.get('TRITON_INTERPRET') != '1':
        with pytest.raises(RuntimeError, match='TRITON_INTERPRET|installed'):
            masked_view_max(feats, vis, backend='triton')
    with pytest.raises(ValueError, match="one of .*got 'cuda'"):
        masked_view_max(feats, vis, backend='cuda')


def test_shape_errors_name_expected_and_found():
    feats, vis = make_inputs((2, 5, 3, 4), seed=0)
    with pytest.raises(ValueError, match=r'visibility must be \(2, 5, K\)'):
        masked_view_max(feats, vis[:, :4])
    with pytest.raises(ValueError, match=r'visibility must be \(2, 5, K\)'):
        masked_view_max(feats, vis[:1])
    with pytest.raises(ValueError, match='bool visibility'):
        masked_view_max(feats, vis.float())
    with pytest.raises(ValueError, match=r'feats \(B, N, C\).*\(5, 4\)'):
        masked_view_max(feats[0], vis)


@pytest.mark.slow
def test_package_import_and_cpu_auto_do_not_import_triton():
    code = textwrap.dedent('''
        import sys, torch
        from pointmcd_plugin.ops import masked_view_max
        masked_view_max(torch.randn(1, 4, 2), torch.rand(1, 4, 3) > 0.5)
        assert 'triton' not in sys.modules, 'triton was imported'
    ''')
    proc = subprocess.run([sys.executable, '-c', code], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]


@pytest.mark.slow
@pytest.mark.skipif(not HAS_TRITON, reason='triton is not installed')
def test_triton_kernel_in_interpreter_matches_brute_force_and_torch():
    """Run the kernel on CPU tensors in triton's interpreter (a subprocess:
    TRITON_INTERPRET must be set before triton is imported). Shapes with K
    not a power of two, N and C not multiples of the tiles."""
    code = textwrap.dedent('''
        import numpy as np, torch
        from pointmcd_plugin.ops import masked_view_max
        from tests.test_ops.test_masked_max import (
            brute_force, check_against_brute_force, make_inputs)
        cases = [((2, 21, 3, 5), True, torch.float32),
                 ((2, 40, 12, 40), True, torch.float32),
                 ((3, 17, 5, 9), False, torch.float64)]
        for shape, ties, dtype in cases:
            feats, vis = make_inputs(shape, seed=3, ties=ties, dtype=dtype)
            check_against_brute_force(feats, vis, 'triton')
            grads = []
            for backend in ('triton', 'torch'):
                f = feats.clone().requires_grad_()
                values, _ = masked_view_max(f, vis, backend=backend)
                values.backward(torch.linspace(-1, 1, values.numel(),
                                               dtype=dtype).view_as(values))
                grads.append(f.grad)
            assert torch.equal(*grads)
        empty = torch.zeros(2, 9, 3, dtype=torch.bool)
        f = torch.randn(2, 9, 4, requires_grad=True)
        values, valid = masked_view_max(f, empty, backend='triton')
        values.sum().backward()
        assert not valid.any() and not values.any() and not f.grad.any()
        print('triton interpreted ok')
    ''')
    env = dict(os.environ, TRITON_INTERPRET='1')
    proc = subprocess.run([sys.executable, '-c', code], cwd=REPO_ROOT,
                          env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0 and 'triton interpreted ok' in proc.stdout, (
        proc.stdout[-2000:], proc.stderr[-4000:])


@pytest.mark.skipif(not HAS_TRITON, reason='triton is not installed')
@pytest.mark.parametrize('dtype', ['fp32', 'bf16'])
def test_triton_kernel_compiles_for_a_gpu_without_one(dtype):
    """The interpreter forgives what the compiler refuses (e.g. a loop
    variable changing dtype); compile to a Hopper binary with triton's own
    ptxas, no GPU needed."""
    from triton.backends.compiler import GPUTarget
    from triton.compiler import ASTSource, compile

    from pointmcd_plugin.ops.triton_masked_max import _masked_view_max_kernel
    signature = dict(feats_ptr=f'*{dtype}', vis_ptr='*u8',
                     values_ptr=f'*{dtype}', argmax_ptr='*i64',
                     num_points='i32', channels='i32', K='constexpr',
                     K_PAD='constexpr', BLOCK_N='constexpr',
                     BLOCK_C='constexpr')
    source = ASTSource(_masked_view_max_kernel, signature,
                       constexprs=dict(K=12, K_PAD=16, BLOCK_N=8,
                                       BLOCK_C=32))
    kernel = compile(source, target=GPUTarget('cuda', 90, 32))
    assert kernel.asm['cubin']


class _EmulatedDynamicScatter(Function):
    """mmcv 2.1.0's ``dynamic_scatter(feats, coors, 'max')`` in torch, after
    its CUDA kernels: unique sorted keys, max per key, and a backward that
    gives each gradient to the lowest row attaining the maximum."""

    @staticmethod
    def forward(ctx, feats, coors, reduce_type):
        assert reduce_type == 'max' and coors.dtype == torch.int32
        keys, inverse = torch.unique(coors, dim=0, return_inverse=True)
        index = inverse[:, None].expand_as(feats)
        pooled = feats.new_empty(len(keys), feats.shape[1]).scatter_reduce_(
            0, index, feats, 'amax', include_self=False)
        rows = torch.arange(len(feats))[:, None].expand_as(feats)
        rows = rows.masked_fill(feats != pooled[inverse], len(feats))
        ctx.reduce_from = torch.full_like(pooled, len(feats),
                                          dtype=torch.long).scatter_reduce_(
                                              0, index, rows, 'amin')
        ctx.num_rows = len(feats)
        ctx.mark_non_differentiable(keys)
        return pooled, keys

    @staticmethod
    def backward(ctx, grad_pooled, _):
        grad = grad_pooled.new_zeros(ctx.num_rows, grad_pooled.shape[1])
        grad.scatter_(0, ctx.reduce_from, grad_pooled)
        return grad, None, None


@pytest.mark.parametrize('ties', [False, True])
def test_mmcv_glue_with_emulated_dynamic_scatter(ties, monkeypatch):
    """The (sample, view) keys, the row order that makes mmcv's tie rule
    pick the lowest point, and the placement of the pooled rows (empty
    views absent from mmcv's output), checked on CPU where mmcv has no
    kernel."""
    mmcv_ops = pytest.importorskip('mmcv.ops')
    monkeypatch.setattr(mmcv_ops, 'dynamic_scatter',
                        _EmulatedDynamicScatter.apply)
    feats, vis = make_inputs((3, 30, 6, 8), seed=5, ties=ties)
    feats.requires_grad_()
    values = masked_max.mmcv_view_max(feats, vis)
    ref_values, ref_argmax = brute_force(feats, vis)
    np.testing.assert_array_equal(values.detach().double().numpy(),
                                  ref_values)
    grad_out = torch.randn_like(values)
    values.backward(grad_out)
    np.testing.assert_allclose(feats.grad.double().numpy(),
                               brute_force_grad(ref_argmax, grad_out, 30),
                               rtol=1e-5, atol=1e-6)


@needs_gpu
@pytest.mark.parametrize('ties', [False, True])
def test_every_gpu_backend_matches_brute_force(ties):
    feats, vis = make_inputs((4, 300, 12, 70), seed=7, ties=ties,
                             device='cuda')
    backends = masked_max_backends(feats, vis)
    assert 'torch' in backends
    for backend in backends + ('auto', ):
        check_against_brute_force(feats, vis, backend)


@needs_gpu
def test_auto_on_gpu_prefers_triton_then_mmcv():
    feats, vis = make_inputs((1, 4, 2, 3), seed=0, device='cuda')
    available = masked_max_backends(feats, vis)
    expected = next((b for b in ('triton', 'mmcv') if b in available),
                    'torch')
    assert resolve_backend('auto', feats, vis) == expected


def test_two_pass_first_max_equals_torch_max_with_ties():
    # Rows of several blocks, ties inside a block and across blocks: the
    # index is always the first maximum's, as torch.max(dim=-1) gives.
    g = torch.Generator().manual_seed(0)
    x = torch.randint(-3, 2, (4, 5, 4 * masked_max._BLOCK), generator=g)
    x = x.float()
    x[0, 0] = 1.0  # every element the maximum
    values, index = masked_max._first_max(x)
    ref_values, ref_index = x.max(dim=-1)
    assert torch.equal(values, ref_values)
    assert torch.equal(index, ref_index)
    assert index[0, 0] == 0
