"""Write one PNG per sample: its K views in a grid, with the points visible
in each view overlaid and the share of background inside each view's
silhouette, to check cameras, visibility and rendering by eye.

    # shapes of the embedded set, generated on the fly
    python tools/visualize_views.py --synthetic table mug --out-dir vis/
    # samples of a config's test dataset, through its test pipeline (up to
    # the packer): normals shade when the pipeline loads them, e.g.
    python tools/visualize_views.py --config configs/dgcnn_synthetic.py \
        --indices 0 1 2 --out-dir vis/ \
        --cfg-options test_dataloader.dataset.load_normals=True
    # a dataset's own pre-rendered views and visibility files, as its
    # config's test pipeline loads them (LoadMultiViewImages,
    # LoadViewVisibility), with the points projected by this plugin's
    # cameras: checks that the view order and cameras agree
    python tools/visualize_views.py --config CFG --dataset-views \
        --views shapenet_16 --out-dir vis/
"""
import argparse
import math
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import matplotlib  # noqa: E402

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from mmengine.config import DictAction  # noqa: E402

from pointmcd_plugin.datasets.synthetic import CLASSES, make_shape  # noqa
from pointmcd_plugin.datasets.transforms import (  # noqa: E402
    ComputeViewVisibility, RenderPointViews)
from pointmcd_plugin.datasets.transforms.multiview import \
    SharedViewGeometry  # noqa: E402
from pointmcd_plugin.geometry import enclosed_background_fraction  # noqa


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
    p.add_argument('--cfg-options', nargs='+', action=DictAction,
                   help='override settings of --config, as in train.py')
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
    from mmengine.dataset import Compose
    from mmengine.registry import init_default_scope

    import pointmcd_plugin  # noqa: F401
    from mmdet3d.registry import DATASETS
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmdet3d'))
    ds_cfg = cfg.test_dataloader.dataset.copy()
    # The test pipeline up to its packer: what the model would be fed.
    steps = []
    for step in ds_cfg.get('pipeline', []):
        if step['type'].split('.')[-1].startswith('Pack'):
            break
        steps.append(step)
    ds_cfg.pipeline = []
    dataset = DATASETS.build(ds_cfg)
    steps = Compose(steps)
    for idx in args.indices:
        results = steps(dataset.get_data_info(idx))
        name = f'{osp.splitext(osp.basename(args.config))[0]}_{idx}'
        points = np.asarray(results['points'])
        if args.dataset_views:
            if 'img' not in results or 'visibility' not in results:
                raise SystemExit(
                    f'{args.config}: the test pipeline loads no views and '
                    'visibility (LoadMultiViewImages, LoadViewVisibility); '
                    'drop --dataset-views to render them')
            # Keep every point: the visibility file has a row per point.
            yield name, points, dict(img=results['img'],
                                     visibility=results['visibility'])
        else:
            yield name, points[:args.num_points], None


def draw(name, points, render, visibility, out_dir, views=None):
    """``views``: the sample's own ``img`` and ``visibility`` to draw
    instead of rendering them."""
    if views is None:
        render.shading = 'normal' if points.shape[1] >= 6 else 'depth'
        out = visibility(render(dict(points=points)))
        source = visibility.method
    else:
        out, source = views, 'from the dataset files'
    cams = render.cameras
    K = cams.num_views
    images = np.stack(out['img'])  # (K, H, W, C) uint8
    if len(images) != K or out['visibility'].shape[1] != K:
        raise SystemExit(
            f'{name}: {len(images)} images and '
            f'{out["visibility"].shape[1]} visibility columns, but '
            f'the chosen --views has {K} cameras')
    size = images.shape[1]
    # Background is white in rendered views and (near) white in the
    # authors' files.
    holes = enclosed_background_fraction(images.min(axis=-1) < 250)
    uv, _ = cams.project(
        SharedViewGeometry(points[:, :3], visibility.normalize).xyz)
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
        img = images[k, ..., 0] if images.shape[-1] == 1 else images[k]
        ax.imshow(img, cmap='gray', vmin=0, vmax=255,
                  extent=(0, size, size, 0))  # uv: pixel i spans [i, i+1]
        ax.scatter(uv[k, vis, 0], uv[k, vis, 1], s=1.5, c='tab:red',
                   linewidths=0)
        ax.set_title(f'az {cams.azimuth[k]:.0f} el {cams.elevation[k]:.0f}'
                     f'  visible {vis.sum()}/{len(vis)}'
                     f'  holes {100 * holes[k]:.1f}%', fontsize=8)
    fig.suptitle(f'{name}: {K} views, red = visible points ({source}); '
                 'holes = background inside the silhouette')
    fig.tight_layout()
    path = osp.join(out_dir, f'{name}.png')
    fig.savefig(path, dpi=80)
    plt.close(fig)
    print(f'{name}: background inside the silhouette per view: mean '
          f'{100 * holes.mean():.2f}%, max {100 * holes.max():.2f}%')
    return path


def main():
    args = parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    render = RenderPointViews(views=args.views, distance=args.distance,
                              image_size=args.image_size,
                              normalize=not args.no_normalize)
    visibility = ComputeViewVisibility(
        views=args.views, distance=args.distance, method=args.visibility,
        cull_backfaces=args.cull_backfaces, normalize=not args.no_normalize)
    for name, points, views in samples(args):
        print(draw(name, points.astype(np.float32), render, visibility,
                   args.out_dir, views))


if __name__ == '__main__':
    main()
