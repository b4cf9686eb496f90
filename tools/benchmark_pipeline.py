"""Samples per second and bytes per sample of load + augment + visibility
+ rendering + packing, one worker, and how closed the rendered views are.

    python tools/benchmark_pipeline.py [--samples 100] [--data-root data/synthetic_shapes]

Reads the embedded set (generated on first use) through the real loader and
runs the multi-view pipeline in this process, for 1024 points x 12 views and
2048 points x 16 views at 224 px, with z-buffer and HPR visibility and
without images, and prints one table (samples/s: the median and range of
``--repeats`` passes, since a shared machine varies by 10-20 %):

* ``bytes/sample``: the packed sample (what a DataLoader worker hands over:
  points, uint8 views, visibility); ``views``: the uint8 views' share of
  it; ``as float32``: the same views as float32, as they were packed
  before views became uint8;
* ``holes %``: background pixels inside the silhouette of a view
  (``enclosed_background_fraction``), mean over views and samples; the
  ``fill 0`` row renders without closing holes (median-spacing splats
  only, the renderer before hole filling).
"""
import argparse
import os.path as osp
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from mmengine.dataset import Compose  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

import pointmcd_plugin  # noqa: E402,F401
from pointmcd_plugin.datasets import SyntheticShapesClsDataset  # noqa: E402
from pointmcd_plugin.geometry import enclosed_background_fraction  # noqa

SETTINGS = [
    # (points, views, image size, visibility, images, fill radius)
    (1024, 'modelnet40_12', 224, 'zbuffer', True, 'auto'),
    (1024, 'modelnet40_12', 224, 'zbuffer', True, 0),
    (1024, 'modelnet40_12', 224, 'hpr', True, 'auto'),
    (1024, 'modelnet40_12', 224, 'zbuffer', False, None),
    (2048, 'shapenet_16', 224, 'zbuffer', True, 'auto'),
    (2048, 'shapenet_16', 224, 'zbuffer', False, None),
]


def pipeline(num_points, views, size, visibility, images, fill):
    steps = [
        dict(type='SamplePoints', num_points=num_points, method='first'),
        dict(type='RandomScaleShiftPoints'),
        dict(type='ComputeViewVisibility', views=views, method=visibility),
    ]
    if images:
        steps.append(dict(type='RenderPointViews', views=views,
                          image_size=size, fill_radius=fill))
    return steps + [dict(type='ShufflePoints'), dict(type='PackPointInputs')]


def packed_bytes(packed) -> tuple:
    """Bytes of the packed sample's tensors, of its views, and of its views
    as float32."""
    tensors = list(packed['inputs'].values()) + [
        v for v in packed['data_samples'].values()
        if isinstance(v, torch.Tensor)]
    total = sum(t.numel() * t.element_size() for t in tensors)
    img = packed['inputs'].get('img')
    views = 0 if img is None else img.numel() * img.element_size()
    return total, views, 0 if img is None else 4 * img.numel()


def mean_holes(packed) -> float:
    """Percent of background inside the silhouettes, over all views."""
    return 100 * float(np.mean([
        enclosed_background_fraction(s['inputs']['img'][:, 0].numpy() < 255)
        for s in packed]))


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--samples', type=int, default=100)
    p.add_argument('--data-root', default='data/synthetic_shapes')
    p.add_argument('--threads', type=int, default=1,
                   help='torch threads; 1 is what a DataLoader worker gets')
    p.add_argument('--repeats', type=int, default=3,
                   help='timed passes over the samples; the median is '
                   'printed, with the range')
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    init_default_scope('mmdet3d')
    dataset = SyntheticShapesClsDataset(data_root=args.data_root,
                                        load_normals=True)
    n = min(args.samples, len(dataset))
    print(f'{n} samples, one process, {args.threads} torch thread(s), '
          f'embedded set (2048-point clouds); samples/s: median of '
          f'{args.repeats} passes')
    print(f'{"points":>6} {"views":>5} {"px":>4} {"visibility":>10} '
          f'{"images":>6} {"fill":>4} {"samples/s":>9} {"range":>11} '
          f'{"ms/sample":>9} {"bytes/sample":>12} {"views":>9} '
          f'{"as float32":>10} {"holes %":>7}')
    for num_points, views, size, vis, images, fill in SETTINGS:
        steps = Compose(pipeline(num_points, views, size, vis, images, fill))
        steps(dataset.get_data_info(0))  # warm-up
        rates = []
        for _ in range(args.repeats):
            packed = []
            start = time.perf_counter()
            for i in range(n):
                packed.append(steps(dataset.get_data_info(i)))
            rates.append(n / (time.perf_counter() - start))
        dt = 1 / float(np.median(rates))
        nbytes, views_bytes, as_float = packed_bytes(packed[0])
        holes = f'{mean_holes(packed):.2f}' if images else '-'
        k = 12 if views == 'modelnet40_12' else 16
        print(f'{num_points:>6} {k:>5} {size:>4} {vis:>10} '
              f'{str(images):>6} {str(fill if images else "-"):>4} '
              f'{1 / dt:>9.1f} {min(rates):>5.1f}-{max(rates):<5.1f} '
              f'{1000 * dt:>9.1f} {nbytes:>12,} {views_bytes:>9,} '
              f'{as_float:>10,} {holes:>7}')


if __name__ == '__main__':
    main()
