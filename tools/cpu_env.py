"""Process settings the tools apply before torch is imported.

``use_huge_pages()`` turns on PyTorch's transparent-huge-page allocation
(``THP_MEM_ALLOC_ENABLE=1``, read once by torch's CPU allocator): CPU
tensors of 2 MiB or more are aligned to 2 MiB and advised as huge pages,
so the large activations a training step allocates and frees (a PointNet
student's (B, N, 1024) features are 64 MiB at batch 32, above glibc's
largest mmap threshold, so every step maps them afresh) fault 2 MiB at a
time instead of 4 KiB. Measured on the embedded PointNet baseline, one
epoch (docs/benchmarks.md, "CPU allocator"): page faults 6.1 M -> 0.55 M,
kernel time 25 s -> 12 s. Values are unchanged (only where memory comes
from). It takes effect on kernels whose transparent huge pages are in
``madvise`` or ``always`` mode and is harmless elsewhere; a value the
user set (``THP_MEM_ALLOC_ENABLE=0`` to turn it off) is kept. Data loader
workers and the tools' subprocesses inherit it.
"""
import os

THP_ENV = 'THP_MEM_ALLOC_ENABLE'


def use_huge_pages() -> None:
    """Enable torch's huge-page CPU allocation unless the user chose."""
    os.environ.setdefault(THP_ENV, '1')
