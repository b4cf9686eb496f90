"""Forward + backward time and peak extra memory of the Chamfer loss paths.

Three formulations of the FoldingNet loss (squared distances, both
directions summed, mean over points and batch) at the FoldingNet size
(batch 16, 2048 input x 2025 reconstructed points) and a smaller one, side
by side in one table:

- ``mmdet3d``: mmdet3d's ``chamfer_distance`` (what its registered
  ``ChamferDistance`` loss runs), which repeats both sets to (B, N, M, 3);
- ``dense GEMM + min``: the (B, N, M) matrix ``|a|^2 - 2ab + |b|^2`` with
  gradient, min over both axes (the reproductions' ``ChamferLoss``);
- ``torch (plugin)``: :func:`pointmcd_plugin.models.autoencoders.
  chamfer_distance`, nearest neighbours without gradient, exact squared
  distances to them with gradient (``ChamferLoss(impl='torch')``).

The gradient flows into the reconstruction only, as in training. Memory is
the peak above what exists before the call (the two sets), measured as in
``tools/benchmark_vafp.py`` (CUDA allocator statistics; on CPU the
resident-set high-water mark). ``same`` says whether the loss equals the
torch path's to 1e-5 (relative). A formulation whose estimated need
exceeds 80 % of the free memory is skipped and said so.

On the 2-core CPU (torch 2.14, ``--repeats 2``, another training running):
at 16 x 2048 x 2025, mmdet3d 6952 ms / 2532 MiB, dense GEMM + min
3442 ms / 824 MiB, torch (plugin) 1311 ms / 64 MiB; at 4 x 512 x 529,
180 ms / 58 MiB, 100 ms / 18 MiB, 47 ms / 4.3 MiB; all equal to 1e-5.

    python tools/benchmark_chamfer.py                 # both sizes
    python tools/benchmark_chamfer.py --sizes small --repeats 1
    python tools/benchmark_chamfer.py --device cuda
"""
import argparse
import os.path as osp
import statistics
import sys
import time
from typing import Callable, Dict, List, Optional, Tuple

import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from benchmark_vafp import PeakMemory, free_bytes  # noqa: E402

from pointmcd_plugin.models.autoencoders import (  # noqa: E402
    chamfer_distance, mmdet3d_chamfer_distance)
from pointmcd_plugin.ops import pairwise_sq_dist  # noqa: E402

SIZES = dict(foldingnet=(16, 2048, 2025), small=(4, 512, 529))

Method = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def dense_gemm_min(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """The (B, M, N) distance matrix with gradient, min both ways."""
    d = pairwise_sq_dist(pred, target)
    return (d.min(2)[0].mean(1) + d.min(1)[0].mean(1)).mean()


METHODS: List[Tuple[str, Method, float]] = [
    # (name, loss, estimated peak in float32 (B, N, M) matrices)
    ('mmdet3d ChamferDistance', mmdet3d_chamfer_distance, 14.0),
    ('dense GEMM + min', dense_gemm_min, 4.0),
    ('torch (plugin)', chamfer_distance, 1.5),
]


def fwd_bwd(method: Method, pred: torch.Tensor,
            target: torch.Tensor) -> float:
    pred.grad = None
    loss = method(pred, target)
    loss.backward()
    if pred.is_cuda:
        torch.cuda.synchronize(pred.device)
    return loss.item()


def measure(method: Method, pred: torch.Tensor, target: torch.Tensor,
            repeats: int, reference: float) -> Dict[str, object]:
    """Median fwd+bwd seconds, peak extra bytes (less the gradient of the
    reconstruction), agreement with the reference loss."""
    value = fwd_bwd(method, pred, target)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fwd_bwd(method, pred, target)
        times.append(time.perf_counter() - start)
    pred.grad = None
    with PeakMemory(pred.device) as mem:
        fwd_bwd(method, pred, target)
    pred.grad = None
    grad_bytes = pred.numel() * pred.element_size()
    return dict(time=statistics.median(times),
                extra=max(0, mem.peak - grad_bytes),
                same=abs(value - reference) <= 1e-5 * abs(reference),
                loss=value)


def run_size(device: torch.device, size: Tuple[int, int, int],
             repeats: int) -> List[Dict[str, object]]:
    batch, num_in, num_out = size
    g = torch.Generator().manual_seed(0)
    target = (torch.rand(batch, num_in, 3, generator=g) * 2 - 1).to(device)
    pred = (torch.rand(batch, num_out, 3, generator=g) * 0.6 - 0.3).to(
        device).requires_grad_()
    with torch.no_grad():
        reference = chamfer_distance(pred, target).item()
    matrix = 4 * batch * num_in * num_out
    rows = []
    for name, method, matrices in METHODS:
        row: Dict[str, object] = dict(device=str(device), size=size,
                                      method=name)
        need: Optional[int] = int(matrices * matrix)
        if need > 0.8 * free_bytes(device):
            row['skipped'] = f'skipped: needs ~{need / 2**30:.1f} GiB'
        else:
            row.update(measure(method, pred, target, repeats, reference))
        rows.append(row)
        print(f'  done: {device} {size} {name}', file=sys.stderr,
              flush=True)
    return rows


def print_table(rows: List[Dict[str, object]]) -> None:
    print(f'{"device":<6} {"B,N,M":<14} {"method":<24} {"fwd+bwd ms":>10} '
          f'{"peak MiB":>9} {"vs mmdet3d":>10} {"same":>5}')
    base: Dict[Tuple, Dict[str, object]] = {}
    for row in rows:
        key = (row['device'], row['size'])
        if row['method'].startswith('mmdet3d') and 'time' in row:
            base[key] = row
        size = ','.join(map(str, row['size']))
        head = f'{row["device"]:<6} {size:<14} {row["method"]:<24}'
        if 'skipped' in row:
            print(f'{head} {row["skipped"]}')
            continue
        ref = base.get(key)
        ratio = (f'{ref["extra"] / row["extra"]:.1f}x less'
                 if ref and row is not ref and row['extra'] > 0 else '-')
        print(f'{head} {1000 * row["time"]:>10.1f} '
              f'{row["extra"] / 2**20:>9.1f} {ratio:>10} '
              f'{"yes" if row["same"] else "no":>5}')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--sizes', nargs='+', choices=sorted(SIZES),
                        default=['foldingnet', 'small'])
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--repeats', type=int, default=3)
    args = parser.parse_args()
    device = torch.device(args.device)
    print(f'torch {torch.__version__}, {torch.get_num_threads()} threads, '
          f'device {device}', flush=True)
    rows = []
    for name in args.sizes:
        rows += run_size(device, SIZES[name], args.repeats)
    print_table(rows)


if __name__ == '__main__':
    main()
