"""Forward + backward time and peak extra memory of VAFP's masked view max.

Every backend of :func:`pointmcd_plugin.ops.masked_view_max` that runs on the
device is timed against two dense formulations that build a (B, K, N, C)
tensor: the authors' product ``(F[:, None] * M).amax(2)`` (only right for
non-negative features) and a masked fill with -inf followed by ``amax``.
All rows, for every device and shape, go into one table with ratios against
the dense product; ``same`` says whether the pooled values equal those of
the torch backend (features are Gaussian with mean -3, so the product is
wrong wherever a view's maximum is negative).

Memory is the peak above what exists before the call (features, visibility,
output gradient) and the features' gradient:

- CUDA: ``torch.cuda.max_memory_allocated()`` after
  ``reset_peak_memory_stats()``.
- CPU: torch's CPU allocator keeps no statistics and tracemalloc does not
  see it, so the process's resident-set high-water mark is used: before the
  call, glibc's ``malloc_trim(0)`` returns freed heap to the OS and writing
  ``5`` to ``/proc/self/clear_refs`` resets ``VmHWM`` to the current RSS
  (Linux >= 4.0); afterwards ``VmHWM`` minus that RSS is the peak. It counts
  touched pages, i.e. memory really used.

A dense formulation whose (B, K, N, C) tensors would not fit (estimated at
3.5 of them against 80% of the free memory) is skipped and said so.

    python tools/benchmark_vafp.py                    # both paper shapes
    python tools/benchmark_vafp.py --shapes small --repeats 1
    python tools/benchmark_vafp.py --shapes embedded  # the demo's students
"""
import argparse
import ctypes
import gc
import os.path as osp
import statistics
import sys
import time
from typing import Callable, Dict, List, Optional, Tuple

import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from pointmcd_plugin.ops.masked_max import masked_max_backends  # noqa: E402
from pointmcd_plugin.ops.masked_max import masked_view_max  # noqa: E402

SHAPES = dict(paper=[(24, 1024, 12, 1024), (32, 2048, 16, 1024)],
              small=[(4, 256, 12, 256)],
              embedded=[(32, 512, 12, 1024)])
# Peak of the dense formulations in (B, K, N, C) float tensors (3.2 measured
# on CPU at the first paper shape).
DENSE_TENSORS = 3.5

Method = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def dense_product(feats: torch.Tensor, vis: torch.Tensor) -> torch.Tensor:
    """The authors' max_n(F * M): (B, N, C), (B, N, K) -> (B, K, C)."""
    return (feats[:, None] * vis.transpose(1, 2)[..., None]).amax(2)


def dense_masked(feats: torch.Tensor, vis: torch.Tensor) -> torch.Tensor:
    """Masked fill with -inf, then amax: (B, N, C), (B, N, K) -> (B, K, C)."""
    hidden = ~vis.transpose(1, 2)[..., None]
    return feats[:, None].masked_fill(hidden, float('-inf')).amax(2)


def backend_method(backend: str) -> Method:
    """masked_view_max with a fixed backend, values only."""
    return lambda feats, vis: masked_view_max(feats, vis, backend)[0]


def _proc_bytes(path: str, field: str) -> int:
    """A ``field: <n> kB`` line of a /proc file, in bytes."""
    with open(path) as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f'{path} has no {field}')


class PeakMemory:
    """Peak bytes allocated inside the ``with`` block above its start."""

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.peak = 0

    def __enter__(self) -> 'PeakMemory':
        gc.collect()
        if self.device.type == 'cuda':
            torch.cuda.synchronize(self.device)
            torch.cuda.reset_peak_memory_stats(self.device)
            self.base = torch.cuda.memory_allocated(self.device)
        else:
            ctypes.CDLL('libc.so.6').malloc_trim(0)
            with open('/proc/self/clear_refs', 'w') as f:
                f.write('5')
            self.base = _proc_bytes('/proc/self/status', 'VmRSS')
        return self

    def __exit__(self, *exc) -> None:
        if self.device.type == 'cuda':
            torch.cuda.synchronize(self.device)
            peak = torch.cuda.max_memory_allocated(self.device)
            self.peak = peak - self.base
        else:
            self.peak = _proc_bytes('/proc/self/status', 'VmHWM') - self.base


def free_bytes(device: torch.device) -> int:
    """Memory that can still be allocated on ``device``."""
    if device.type == 'cuda':
        return torch.cuda.mem_get_info(device)[0]
    return _proc_bytes('/proc/meminfo', 'MemAvailable')


def fwd_bwd(method: Method, feats: torch.Tensor, vis: torch.Tensor,
            grad_out: torch.Tensor) -> torch.Tensor:
    """One forward and backward; the (B, K, C) values."""
    feats.grad = None
    values = method(feats, vis)
    values.backward(grad_out)
    if feats.is_cuda:
        torch.cuda.synchronize(feats.device)
    return values.detach()


def measure(method: Method, feats: torch.Tensor, vis: torch.Tensor,
            grad_out: torch.Tensor, repeats: int,
            reference: torch.Tensor) -> Dict[str, object]:
    """Median fwd+bwd seconds, peak extra bytes, equality to reference."""
    same = torch.equal(fwd_bwd(method, feats, vis, grad_out), reference)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fwd_bwd(method, feats, vis, grad_out)
        times.append(time.perf_counter() - start)
    feats.grad = None
    grad_bytes = feats.numel() * feats.element_size()
    with PeakMemory(feats.device) as mem:
        fwd_bwd(method, feats, vis, grad_out)
    feats.grad = None
    return dict(time=statistics.median(times),
                extra=max(0, mem.peak - grad_bytes), same=same)


def run_shape(device: torch.device, shape: Tuple[int, int, int, int],
              repeats: int) -> List[Dict[str, object]]:
    num_samples, num_points, num_views, channels = shape
    g = torch.Generator().manual_seed(0)
    # Shifted so that many views have a negative maximum.
    feats = torch.randn(num_samples, num_points, channels, generator=g) - 3
    vis = torch.rand(num_samples, num_points, num_views, generator=g) < 0.5
    feats, vis = feats.to(device).requires_grad_(), vis.to(device)
    grad_out = torch.randn(num_samples, num_views, channels,
                           generator=g).to(device)
    with torch.no_grad():
        reference = masked_view_max(feats, vis, 'torch')[0]
    dense_need = int(DENSE_TENSORS * feats.element_size() * num_samples *
                     num_views * num_points * channels)
    methods: List[Tuple[str, Method, Optional[int]]] = [
        ('dense product (authors)', dense_product, dense_need),
        ('dense masked fill', dense_masked, dense_need)]
    methods += [(f'masked_view_max {b}', backend_method(b), None)
                for b in masked_max_backends(feats, vis)]
    rows = []
    for name, method, need in methods:
        row = dict(device=str(device), shape=shape, method=name)
        if need is not None and need > 0.8 * free_bytes(device):
            row['skipped'] = f'skipped: needs ~{need / 2**30:.0f} GiB'
        else:
            row.update(measure(method, feats, vis, grad_out, repeats,
                               reference))
        rows.append(row)
        print(f'  done: {device} {shape} {name}', file=sys.stderr,
              flush=True)
    return rows


def print_table(rows: List[Dict[str, object]]) -> None:
    print(f'{"device":<6} {"B,N,K,C":<16} {"method":<26} {"fwd+bwd ms":>10} '
          f'{"speedup":>8} {"extra MiB":>10} {"mem ratio":>10} {"same":>5}')
    base: Dict[Tuple, Dict[str, object]] = {}
    for row in rows:
        key = (row['device'], row['shape'])
        if row['method'].startswith('dense product') and 'time' in row:
            base[key] = row
        shape = ','.join(map(str, row['shape']))
        head = f'{row["device"]:<6} {shape:<16} {row["method"]:<26}'
        if 'skipped' in row:
            print(f'{head} {row["skipped"]}')
            continue
        ref = base.get(key)
        speedup = (f'{ref["time"] / row["time"]:.2f}x' if ref else '-')
        mem_ratio = (f'{ref["extra"] / row["extra"]:.0f}x'
                     if ref and row['extra'] > 0 else '-')
        print(f'{head} {1000 * row["time"]:>10.1f} {speedup:>8} '
              f'{row["extra"] / 2**20:>10.1f} {mem_ratio:>10} '
              f'{"yes" if row["same"] else "no":>5}')


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--shapes', choices=sorted(SHAPES), default='paper',
                   help='paper: (24,1024,12,1024) and (32,2048,16,1024); '
                   'small: one quick (4,256,12,256); embedded: the '
                   'embedded PointNet / DGCNN students\' (32,512,12,1024)')
    p.add_argument('--repeats', type=int, default=3,
                   help='timed runs per method (median reported)')
    p.add_argument('--device', choices=['all', 'cpu', 'cuda'], default='all',
                   help='all: CPU, and CUDA when present')
    p.add_argument('--threads', type=int,
                   help='torch CPU threads (default: torch\'s choice)')
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    devices = [torch.device('cpu')] if args.device != 'cuda' else []
    if args.device != 'cpu' and torch.cuda.is_available():
        devices.append(torch.device('cuda'))
    elif args.device == 'cuda':
        raise SystemExit('--device cuda: no CUDA device here')
    print(f'torch {torch.__version__}, CPU threads: {torch.get_num_threads()}'
          f'; medians of {args.repeats} runs; extra = peak memory '
          'above features and their gradient; ratios vs the dense product')
    rows = []
    for device in devices:
        for shape in SHAPES[args.shapes]:
            rows += run_shape(device, shape, args.repeats)
    print_table(rows)


if __name__ == '__main__':
    main()
