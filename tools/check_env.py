"""Check that the installed stack is the one pointmcd-plugin needs.

Exits non-zero with a message naming the missing piece.
"""
import os
import sys


def main() -> int:
    import torch
    import mmcv
    import mmengine
    import mmdet
    import mmpretrain
    import mmdet3d
    # Each of these must import: mmdet3d.evaluation pulls in lyft and
    # nuscenes at import time, and every metric built in the mmdet3d scope
    # imports it.
    import mmdet3d.datasets  # noqa: F401
    import mmdet3d.evaluation  # noqa: F401
    import mmdet3d.models  # noqa: F401
    import mmcv.ops  # noqa: F401
    from mmcv.utils import ext_loader

    try:
        ext_loader.load_ext('_ext', ['nms'])
    except (ImportError, AssertionError) as e:
        print(f'mmcv {mmcv.__version__} has no compiled ops ({e}); this is '
              'mmcv-lite or a broken build. Re-run tools/install.sh.')
        return 1

    import pointmcd_plugin
    from pointmcd_plugin.ops import mmcv_cuda_ops_available

    print(f'python      {sys.version.split()[0]}')
    for mod in (torch, mmcv, mmengine, mmdet, mmdet3d, mmpretrain,
                pointmcd_plugin):
        print(f'{mod.__name__:<15} {mod.__version__}')
    print(f'CUDA available: {torch.cuda.is_available()}; '
          f'mmcv CUDA point ops: {mmcv_cuda_ops_available()}')
    print(f'environment {sys.prefix}: {_size_gb(sys.prefix):.1f} GB on disk')
    return 0


def _size_gb(root: str) -> float:
    total = 0
    for path, _, files in os.walk(root):
        for name in files:
            full = os.path.join(path, name)
            if not os.path.islink(full):
                total += os.path.getsize(full)
    return total / 2**30


if __name__ == '__main__':
    sys.exit(main())
