"""Samples per second of load + augment + render + visibility, one worker.

    python tools/benchmark_pipeline.py [--samples 100] [--data-root data/synthetic_shapes]

Reads the embedded set (generated on first use) through the real loader and
runs the multi-view pipeline in this process, for 1024 points x 12 views and
2048 points x 16 views at 224 px, with z-buffer and HPR visibility and
without images, and prints one table.
"""
import argparse
import os.path as osp
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import torch  # noqa: E402
from mmengine.dataset import Compose  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

import pointmcd_plugin  # noqa: E402,F401
from pointmcd_plugin.datasets import SyntheticShapesClsDataset  # noqa: E402

SETTINGS = [
    # (points, views, image size, visibility, with images)
    (1024, 'modelnet40_12', 224, 'zbuffer', True),
    (1024, 'modelnet40_12', 224, 'hpr', True),
    (1024, 'modelnet40_12', 224, 'zbuffer', False),
    (2048, 'shapenet_16', 224, 'zbuffer', True),
    (2048, 'shapenet_16', 224, 'zbuffer', False),
]


def pipeline(num_points, views, size, visibility, images):
    return [
        dict(type='SamplePoints', num_points=num_points, method='first'),
        dict(type='RandomScaleShiftPoints'),
        dict(type='RenderPointViews', views=views, image_size=size,
             visibility=visibility, with_images=images),
        dict(type='ShufflePoints'),
        dict(type='PackPointInputs'),
    ]


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--samples', type=int, default=100)
    p.add_argument('--data-root', default='data/synthetic_shapes')
    p.add_argument('--threads', type=int, default=1,
                   help='torch threads; 1 is what a DataLoader worker gets')
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    init_default_scope('mmdet3d')
    dataset = SyntheticShapesClsDataset(data_root=args.data_root,
                                        load_normals=True)
    n = min(args.samples, len(dataset))
    print(f'{n} samples, one process, {args.threads} torch thread(s), '
          'embedded set (2048-point clouds)')
    print(f'{"points":>6} {"views":>5} {"px":>4} {"visibility":>10} '
          f'{"images":>6} {"samples/s":>9} {"ms/sample":>9}')
    for num_points, views, size, vis, images in SETTINGS:
        steps = Compose(pipeline(num_points, views, size, vis, images))
        steps(dataset.get_data_info(0))  # warm-up
        start = time.perf_counter()
        for i in range(n):
            steps(dataset.get_data_info(i))
        dt = (time.perf_counter() - start) / n
        k = 12 if views == 'modelnet40_12' else 16
        print(f'{num_points:>6} {k:>5} {size:>4} {vis:>10} '
              f'{str(images):>6} {1 / dt:>9.1f} {1000 * dt:>9.1f}')


if __name__ == '__main__':
    main()
