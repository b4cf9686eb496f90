"""Time of mmcv's point ops at the PointNet++ classification sizes: the
plugin's torch paths on CPU (and on CUDA), beside mmcv's kernels where a
GPU runs them, in one table.

Sizes (batch 16, 1024 points, the SSG classifier of
``configs/pointnet2_modelnet40.py``):

- ``furthest_point_sample`` 1024 -> 512 anchors, and 512 -> 128;
- ``ball_query`` r = 0.2, 32 neighbours of 512 anchors in 1024 points;
  r = 0.4, 64 of 128 in 512;
- ``grouping_operation`` of (16, 128, 1024) features by those 512 x 32
  balls, forward + backward;
- ``gather_points`` of 512 anchors from (16, 128, 1024), forward +
  backward;
- ``three_nn`` and ``three_interpolate`` (forward + backward) of 1024
  targets from 512 sources with 128 channels (a feature-propagation step);
- ``knn`` k = 20 over 1024 points (DGCNN's graph).

A second table times the package's one kNN
(``torch_point_ops.knn_indices``: one GEMM of ``|q|^2 - 2 q.s + |s|^2``,
then ``topk`` with ties by index), which both ``pointmcd_plugin.ops.knn``
(the plugin's DGCNN) and ``torch_point_ops.knn`` (mmcv's layout) call,
beside the two it replaced, in the same run: the plugin's former
three-term expansion with a plain ``topk``, and mmcv-layout's former sum
of squared differences, one pass per channel. Batch 16, 1024 points,
k = 20, in 3 channels (xyz) and 64 (DGCNN's feature space); ``same``
counts the rows whose k indices equal the new ones, ``max |d|`` is the
largest difference of the chosen neighbours' exact (float64) squared
distances, per row's k-th (0 means the same neighbours up to ties).

Each row is the median of ``--repeats`` timed runs after one warm-up;
``share`` is the row's part of the device's total (what dominates), and
on CUDA ``torch / mmcv`` is the torch path's time over mmcv's kernel's.
Rows also say whether the torch result equals mmcv's (indices exactly,
features to 1e-5; knn by the chosen neighbours' distances, to 1e-5).

    python tools/benchmark_point_ops.py [--repeats 5] [--device cpu cuda]
        [--skip-knn-formulas]
"""
import argparse
import os.path as osp
import statistics
import sys
import time
from typing import Callable, Dict, List, Optional, Tuple

import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from pointmcd_plugin.ops import torch_point_ops as T  # noqa: E402
from pointmcd_plugin.ops.dispatch import mmcv_op_runs_on  # noqa: E402
from pointmcd_plugin.ops.mmcv_cpu import mmcv_point_ops  # noqa: E402


def _sync(device: torch.device) -> None:
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def _time(fn: Callable, device: torch.device, repeats: int) -> float:
    fn()
    _sync(device)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        _sync(device)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


# device -> the cases' (16, 1024, 3) cloud, for comparing knn results.
_CLOUDS: Dict[torch.device, torch.Tensor] = {}


def cases(device: torch.device) -> List[Tuple[str, Callable[[Dict], object]]]:
    """(name, op(ops) -> output) at the PointNet++ classification sizes;
    ``ops`` maps an mmcv op name to the implementation under test."""
    g = torch.Generator().manual_seed(0)
    xyz = (torch.rand(16, 1024, 3, generator=g) * 2 - 1).to(device)
    _CLOUDS[device] = xyz
    idx512 = T.furthest_point_sample(xyz, 512)
    anchors = T.gather_points(xyz.transpose(1, 2).contiguous(),
                              idx512).transpose(1, 2).contiguous()
    idx128 = T.furthest_point_sample(anchors, 128)
    anchors2 = T.gather_points(anchors.transpose(1, 2).contiguous(),
                               idx128).transpose(1, 2).contiguous()
    balls = T.ball_query(0., 0.2, 32, xyz, anchors)
    f1024 = torch.randn(16, 128, 1024, generator=g).to(device) \
        .requires_grad_()
    f512 = torch.randn(16, 128, 512, generator=g).to(device) \
        .requires_grad_()
    _, tri = T.three_nn(xyz, anchors)
    w = torch.rand(16, 1024, 3, generator=g).to(device)
    w = (w / w.sum(-1, keepdim=True)).contiguous()

    def fwd_bwd(out, src):
        grad, = torch.autograd.grad(out.sum(), src)
        return out, grad

    return [
        ('furthest_point_sample 1024->512',
         lambda o: o['furthest_point_sample'](xyz, 512)),
        ('furthest_point_sample 512->128',
         lambda o: o['furthest_point_sample'](anchors, 128)),
        ('ball_query r0.2 k32 512/1024',
         lambda o: o['ball_query'](0., 0.2, 32, xyz, anchors)),
        ('ball_query r0.4 k64 128/512',
         lambda o: o['ball_query'](0., 0.4, 64, anchors, anchors2)),
        ('grouping_operation 128ch fwd+bwd',
         lambda o: fwd_bwd(o['grouping_operation'](f1024, balls), f1024)),
        ('gather_points 128ch fwd+bwd',
         lambda o: fwd_bwd(o['gather_points'](f1024, idx512), f1024)),
        ('three_nn 1024<-512', lambda o: o['three_nn'](xyz, anchors)),
        ('three_interpolate 128ch fwd+bwd',
         lambda o: fwd_bwd(o['three_interpolate'](f512, tri, w), f512)),
        ('knn k20 1024', lambda o: o['knn'](20, xyz, None, False)),
    ]


def _same_knn(device: torch.device) -> Callable:
    """knn results agree when the chosen neighbours' distances do (the
    indices may differ on ties and float32 near-ties, see
    torch_point_ops)."""
    xyz = _CLOUDS[device]
    d2 = T._sq_dist(xyz, xyz).transpose(1, 2)  # (B, N, M)

    def same(a, b):
        return torch.allclose(d2.gather(1, a.long()), d2.gather(1, b.long()),
                              rtol=1e-5, atol=1e-6)

    return same


def _same(a, b) -> bool:
    if isinstance(a, (tuple, list)):
        return all(_same(x, y) for x, y in zip(a, b))
    if a.dtype.is_floating_point:
        return torch.allclose(a, b, atol=1e-5, rtol=1e-5)
    return torch.equal(a, b)


# The two kNN distance computations replaced by T.pairwise_sq_dist, kept
# here only to show old against new.
def _old_plugin_knn(k: int, support: torch.Tensor) -> torch.Tensor:
    """Former pointmcd_plugin.ops.knn: three-term expansion, plain topk."""
    inner = torch.bmm(support, support.transpose(1, 2))
    sq = support.pow(2).sum(-1)
    dist = (sq.unsqueeze(2) - 2 * inner + sq.unsqueeze(1)).clamp_min_(0)
    return dist.topk(k, dim=-1, largest=False, sorted=True)[1]


def _old_mmcv_layout_knn(k: int, support: torch.Tensor) -> torch.Tensor:
    """Former torch_point_ops.knn: differences, one pass per channel,
    chunked, ties by index."""
    out = torch.empty(*support.shape[:2], k, dtype=torch.long,
                      device=support.device)
    for start, stop in T._chunks(support, support):
        d2 = T._sq_dist(support[:, start:stop], support)
        out[:, start:stop] = T._smallest_k(d2, k)[1]
    return out


def knn_formulas(device: torch.device, repeats: int) -> None:
    """Old against new kNN, side by side (see the module docstring)."""
    print(f"\n{'knn k20 1024, batch 16':34s} {'device':6s} {'ch':>3s} "
          f"{'ms':>9s} {'x new':>6s} {'same':>11s} {'max |d|':>8s}")
    g = torch.Generator().manual_seed(1)
    for channels in (3, 64):
        pts = torch.randn(16, 1024, channels, generator=g).to(device)
        exact = None
        runs = [('new: knn_indices (one GEMM)',
                 lambda: T.knn_indices(20, pts)),
                ('old: plugin knn (expansion)',
                 lambda: _old_plugin_knn(20, pts)),
                ('old: mmcv layout (differences)',
                 lambda: _old_mmcv_layout_knn(20, pts))]
        new_idx = new_ms = None
        for label, fn in runs:
            ms = _time(fn, device, repeats)
            idx = fn()
            if new_idx is None:
                new_idx, new_ms = idx, ms
                p64 = pts.double()
                exact = T._sq_dist(p64, p64)  # float64 reference
            same = int((idx == new_idx).all(-1).sum())
            d_new = exact.gather(2, new_idx)
            d_old = exact.gather(2, idx)
            rel = ((d_old - d_new).abs() /
                   d_new[..., -1:].clamp_min(1e-30)).max().item()
            rows = idx.shape[0] * idx.shape[1]
            print(f'{label:34s} {device.type:6s} {channels:3d} {ms:9.3f} '
                  f'{ms / new_ms:6.2f} {same:5d}/{rows:<5d} {rel:8.1e}')


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--repeats', type=int, default=5)
    p.add_argument('--device', nargs='+', default=['cpu', 'cuda'])
    p.add_argument('--skip-knn-formulas', action='store_true',
                   help='leave out the old-against-new kNN table')
    args = p.parse_args()
    torch_ops = {n: getattr(T, n) for n in mmcv_point_ops()}
    print(f'torch {torch.__version__}, {torch.get_num_threads()} CPU '
          f'threads; median of {args.repeats} runs, ms')
    header = (f"{'op':34s} {'device':6s} {'torch':>9s} {'share':>6s} "
              f"{'mmcv':>9s} {'torch/mmcv':>10s} {'same':>5s}")
    print(header)
    print('-' * len(header))
    devices = []
    for name in args.device:
        if name == 'cuda' and not torch.cuda.is_available():
            print(f"{'(no GPU: CUDA rows unmeasured)':34s}")
            continue
        device = torch.device(name)
        devices.append(device)
        # mmcv's own kernels (never the torch path the plugin installs).
        mmcv_ops: Optional[Dict] = mmcv_point_ops() \
            if device.type == 'cuda' and mmcv_op_runs_on(device) else None
        rows = []
        for label, op in cases(device):
            t_torch = _time(lambda: op(torch_ops), device, args.repeats)
            t_mmcv = same = None
            if mmcv_ops is not None:
                t_mmcv = _time(lambda: op(mmcv_ops), device, args.repeats)
                compare = _same_knn(device) if label.startswith('knn') \
                    else _same
                same = compare(op(torch_ops), op(mmcv_ops))
            rows.append((label, t_torch, t_mmcv, same))
        total = sum(r[1] for r in rows)
        for label, t_torch, t_mmcv, same in rows:
            mm = f'{t_mmcv:9.3f}' if t_mmcv is not None else f"{'-':>9s}"
            ratio = (f'{t_torch / t_mmcv:10.1f}' if t_mmcv else
                     f"{'-':>10s}")
            print(f'{label:34s} {name:6s} {t_torch:9.3f} '
                  f'{100 * t_torch / total:5.1f}% {mm} {ratio} '
                  f"{'-' if same is None else ('yes' if same else 'NO'):>5s}")
        print(f"{'total':34s} {name:6s} {total:9.3f}")
    if not args.skip_knn_formulas:
        for device in devices:
            knn_formulas(device, args.repeats)


if __name__ == '__main__':
    main()
