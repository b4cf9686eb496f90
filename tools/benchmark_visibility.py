"""Accuracy of the visibility methods on the embedded shapes, one table.

    python tools/benchmark_visibility.py [--shapes-per-class 2] [--points 1024]

For every class of the embedded set a shape is sampled densely (20,000
points with normals); its first ``--points`` points are the cloud under
test (an i.i.d. subset). The reference mask of those points comes from the
dense cloud: a fine z-buffer (320 px) with back-face culling from the true
normals, which is right for the closed, outward-oriented surfaces of these
shapes and resolves thin plates (table tops, wings, bed boards). Each
method then sees only the sparse xyz (no normals, as for releases without
them) or, for the ``+cull`` rows, xyz and normals, and the table gives

* FP: hidden points marked visible, as a fraction of the hidden points;
* FN: visible points marked hidden, as a fraction of the visible points;
* underside: fraction of downward-facing points (normal y < -0.9) marked
  visible from the 12 cameras at +30 deg elevation, where the truth is 0;
* top: fraction of upward-facing points (normal y > 0.9) the reference
  sees that are marked visible (the faces a smaller slope loses: seen
  from 30 deg above they are slanted 60 deg, depth gradient tan 60).

These are agreements with a reference computed by the same z-buffer idea
at far higher density, not with mesh rendering.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import numpy as np  # noqa: E402

from pointmcd_plugin.datasets.synthetic import CLASSES, make_shape  # noqa
from pointmcd_plugin.datasets.transforms import ComputeViewVisibility  # noqa

DENSE_POINTS = 20000
REFERENCE = dict(method='zbuffer', image_size=320, slope=3.0,
                 tolerance=0.01, cull_backfaces=True)
METHODS = [
    ('zbuffer (default)', dict(method='zbuffer'), False),
    ('zbuffer slope 1.5', dict(method='zbuffer', slope=1.5), False),
    ('zbuffer 128 px', dict(method='zbuffer', image_size=128), False),
    ('hpr (default)', dict(method='hpr'), False),
    ('zbuffer +cull', dict(method='zbuffer', cull_backfaces=True), True),
    ('hpr +cull', dict(method='hpr', cull_backfaces=True), True),
]


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--shapes-per-class', type=int, default=2)
    p.add_argument('--points', type=int, default=1024)
    p.add_argument('--views', default='modelnet40_12')
    args = p.parse_args()
    reference = ComputeViewVisibility(views=args.views, normalize=False,
                                      **REFERENCE)
    clouds, truths = [], []
    for c, name in enumerate(CLASSES):
        for i in range(args.shapes_per_class):
            shape = make_shape(name, np.random.default_rng([c, i, 77]),
                               DENSE_POINTS)
            dense = np.concatenate([shape['points'], shape['normals']],
                                   1).astype(np.float32)
            truths.append(reference(dict(points=dense))['visibility']
                          [:args.points])
            clouds.append(dense[:args.points])
    visible = np.mean([t.mean() for t in truths])
    print(f'{len(clouds)} shapes x {args.points} points, {args.views}; '
          f'reference: {visible:.1%} of (point, view) pairs visible')
    print(f'{"method":<26} {"FP":>6} {"FN":>6} {"underside":>9} '
          f'{"top":>6}')
    for label, cfg, with_normals in METHODS:
        render = ComputeViewVisibility(views=args.views, normalize=False,
                                       **cfg)
        fp = fn = hidden = shown = under = n_under = top = n_top = 0
        for cloud, truth in zip(clouds, truths):
            pts = cloud if with_normals else cloud[:, :3].copy()
            mask = render(dict(points=pts))['visibility']
            fp += (mask & ~truth).sum()
            hidden += (~truth).sum()
            fn += (~mask & truth).sum()
            shown += truth.sum()
            down = cloud[:, 4] < -0.9
            under += mask[down].sum()
            n_under += down.sum() * mask.shape[1]
            up = (cloud[:, 4] > 0.9)[:, None] & truth
            top += (mask & up).sum()
            n_top += up.sum()
        print(f'{label:<26} {fp / hidden:6.3f} {fn / shown:6.3f} '
              f'{under / max(n_under, 1):9.3f} {top / max(n_top, 1):6.3f}')


if __name__ == '__main__':
    main()
