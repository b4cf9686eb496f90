"""How closed are rendered views? Background inside the true silhouette
and pixels drawn outside it, for splat sizes and hole closing.

    python tools/benchmark_view_holes.py [--points 1024] [--shapes-per-class 2]

Each embedded shape is sampled with 16,384 points; ``--points`` of them
(a random subset, the same surface) are rendered by ``RenderPointViews``
under each setting, and compared with the rendering of all 16,384 points
(the true silhouette): ``holes`` is the share of the true silhouette
showing background, ``spill`` the share (of the silhouette's area) drawn
more than 2 pixels outside it.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import numpy as np  # noqa: E402
from scipy.ndimage import binary_dilation  # noqa: E402

from pointmcd_plugin.datasets.synthetic import CLASSES, make_shape  # noqa
from pointmcd_plugin.datasets.transforms import RenderPointViews  # noqa

DENSE = 16384
SETTINGS = [
    ('median splats, no closing', dict(fill_radius=0)),
    ('splats of radius 3', dict(splat_radius=3, fill_radius=0)),
    ('splats of radius 4', dict(splat_radius=4, fill_radius=0)),
    ('median splats + closing (default)', dict()),
    ('median splats + closing, 99th pct', dict(fill_percentile=99)),
]


def foreground(render: RenderPointViews, points: np.ndarray) -> np.ndarray:
    """(K, H, W) bool: pixels that show the shape."""
    views = render(dict(points=points.astype(np.float32)))['img']
    return np.stack(views)[..., 0] < 255


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--points', type=int, default=1024)
    p.add_argument('--shapes-per-class', type=int, default=2)
    p.add_argument('--image-size', type=int, default=224)
    args = p.parse_args()
    truth_render = RenderPointViews(image_size=args.image_size,
                                    shading='depth', fill_radius=0)
    renders = [(label, RenderPointViews(image_size=args.image_size, **cfg))
               for label, cfg in SETTINGS]
    holes = np.zeros(len(SETTINGS))
    spill = np.zeros(len(SETTINGS))
    count = 0
    for c, name in enumerate(CLASSES):
        for j in range(args.shapes_per_class):
            dense = make_shape(name, np.random.default_rng([1, c, 0, j]),
                               DENSE)
            pts = np.concatenate([dense['points'], dense['normals']], 1)[
                np.random.default_rng(j).choice(DENSE, args.points,
                                                replace=False)]
            truth = foreground(truth_render, dense['points'])
            near = np.stack([binary_dilation(v, iterations=2)
                             for v in truth])
            for i, (_, render) in enumerate(renders):
                shown = foreground(render, pts)
                holes[i] += (truth & ~shown).sum() / truth.sum()
                spill[i] += (shown & ~near).sum() / truth.sum()
            count += 1
    print(f'{count} embedded shapes, {args.points} of {DENSE} points, '
          f'{args.image_size} px, 12 views')
    print(f'{"rendering":<36} {"holes %":>8} {"spill %":>8}')
    for i, (label, _) in enumerate(renders):
        print(f'{label:<36} {100 * holes[i] / count:>8.1f} '
              f'{100 * spill[i] / count:>8.1f}')


if __name__ == '__main__':
    main()
