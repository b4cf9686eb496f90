"""Write one PNG per sample: its K rendered views in a grid, with the points
visible in each view overlaid, to check cameras and visibility by eye.

    # shapes of the embedded set, generated on the fly
    python tools/visualize_views.py --synthetic table mug --out-dir vis/
    # samples of a config's dataset (its test split)
    python tools/visualize_views.py --config configs/dgcnn_synthetic.py \
        --indices 0 1 2 --out-dir vis/
    # a dataset's own pre-rendered views and visibility files (the authors'
    # layouts), with the points projected by this plugin's cameras: checks
    # that the view order and cameras agree
    python tools/visualize_views.py --config CFG --dataset-views \
        --views shapenet_16 --out-dir vis/
"""
import argparse
import inspect
import math
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import matplotlib  # noqa: E402

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from pointmcd_plugin.datasets.synthetic import CLASSES, make_shape  # noqa
from pointmcd_plugin.datasets.transforms import RenderPointViews  # noqa


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument('--synthetic', nargs='+', choices=CLASSES,
                     help='categories of the embedded set to draw')
    src.add_argument('--config', help='draw samples of this config')
    p.add_argument('--indices', type=int, nargs='+', default=[0],
                   help='sample indices in the config\'s test dataset')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--num-points', type=int, default=1024)
    p.add_argument('--views', default='modelnet40_12')
    p.add_argument('--distance', type=float, default=2.0)
    p.add_argument('--image-size', type=int, default=224)
    p.add_argument('--visibility', default='zbuffer',
                   choices=['zbuffer', 'hpr'])
    p.add_argument('--cull-backfaces', nargs='?', const=True, default=False,
                   choices=[True, 'auto'],
                   help='also hide points whose normal faces away; '
                   "'auto': only for samples whose normals look "
                   'consistently oriented')
    p.add_argument('--no-normalize', action='store_true',
                   help='render the points where they are instead of '
                   'framing them in the unit sphere')
    p.add_argument('--dataset-views', action='store_true',
                   help='with --config: draw the dataset\'s pre-rendered '
                   'images and visibility files instead of rendering')
    p.add_argument('--out-dir', default='vis')
    return p.parse_args()


def samples(args):
    if args.synthetic:
        for i, name in enumerate(args.synthetic):
            rng = np.random.default_rng([args.seed, CLASSES.index(name), 9, i])
            shape = make_shape(name, rng, args.num_points)
            yield name, np.concatenate([shape['points'], shape['normals']],
                                       1), None
        return
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    import pointmcd_plugin  # noqa: F401
    from mmdet3d.registry import DATASETS
    cfg = Config.fromfile(args.config)
    init_default_scope(cfg.get('default_scope', 'mmdet3d'))
    ds_cfg = cfg.test_dataloader.dataset.copy()
    ds_cfg.pipeline = []
    # Arguments of every __init__ along the MRO: wrappers such as the
    # embedded sets pass **kwargs on to the real loader.
    accepts = {name for klass in DATASETS.get(ds_cfg.type).__mro__
               if '__init__' in vars(klass)
               for name in inspect.signature(klass.__init__).parameters}
    if 'load_normals' in accepts:
        ds_cfg.load_normals = True
    if args.dataset_views:
        if 'load_images' not in accepts:
            raise SystemExit(f'{ds_cfg.type} has no pre-rendered views; '
                             'drop --dataset-views to render them')
        ds_cfg.load_images = ds_cfg.load_visibility = True
    dataset = DATASETS.build(ds_cfg)
    for idx in args.indices:
        info = dataset.get_data_info(idx)
        name = f'{osp.splitext(osp.basename(args.config))[0]}_{idx}'
        if args.dataset_views:
            # Keep every point: the visibility file has a row per point.
            yield name, info['points'], dict(images=info['images'],
                                             visibility=info['visibility'])
        else:
            yield name, info['points'][:args.num_points], None


def draw(name, points, render, out_dir, views=None):
    """``views``: the sample's own ``images`` and ``visibility`` to draw
    instead of rendering them."""
    if views is None:
        has_normals = points.shape[1] >= 6
        render.shading = 'normal' if has_normals else 'depth'
        out = render(dict(points=points))
        source = render.visibility
    else:
        out, source = views, 'from the dataset files'
    cams = render.cameras
    K = cams.num_views
    if out['images'].shape[0] != K or out['visibility'].shape[1] != K:
        raise SystemExit(
            f'{name}: {out["images"].shape[0]} images and '
            f'{out["visibility"].shape[1]} visibility columns, but '
            f'the chosen --views has {K} cameras')
    size = out['images'].shape[1]
    uv, _ = cams.project(render.frame(points[:, :3]))
    uv = uv * (size / cams.image_size)
    cols = min(K, 4 if K <= 12 else 8)
    rows = math.ceil(K / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3 * cols, 3.2 * rows),
                             squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.axis('off')
        if k >= K:
            continue
        vis = out['visibility'][:, k]
        ax.imshow(out['images'][k], cmap='gray', vmin=0, vmax=1,
                  extent=(0, size, size, 0))  # uv: pixel i spans [i, i+1]
        ax.scatter(uv[k, vis, 0], uv[k, vis, 1], s=1.5, c='tab:red',
                   linewidths=0)
        ax.set_title(f'az {cams.azimuth[k]:.0f} el {cams.elevation[k]:.0f}'
                     f'  visible {vis.sum()}/{len(vis)}', fontsize=8)
    fig.suptitle(f'{name}: {K} views, red = visible points ({source})')
    fig.tight_layout()
    path = osp.join(out_dir, f'{name}.png')
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def main():
    args = parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    render = RenderPointViews(views=args.views, distance=args.distance,
                              image_size=args.image_size,
                              visibility=args.visibility,
                              cull_backfaces=args.cull_backfaces,
                              normalize=not args.no_normalize)
    for name, points, views in samples(args):
        print(draw(name, points.astype(np.float32), render, args.out_dir,
                   views))


if __name__ == '__main__':
    main()
