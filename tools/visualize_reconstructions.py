"""Draw an auto-encoder's reconstructions beside its inputs: one PNG, a
row per shape, the input points on the left and the reconstruction (the
model's ``pred_points``) on the right, each titled with the shape's
category and the symmetric Chamfer distance between them.

    # the embedded FoldingNet, baseline and distilled (the test split of
    # the SVM classification set: shapes never reconstructed in training)
    python tools/visualize_reconstructions.py \
        configs/foldingnet_shapenetcore_synthetic.py \
        work_dirs/foldingnet_shapenetcore_synthetic --out recon.png
    python tools/visualize_reconstructions.py \
        configs/pointmcd_foldingnet_shapenetcore_synthetic.py \
        work_dirs/pointmcd_foldingnet_shapenetcore_synthetic \
        --num-shapes 6 --out recon_pointmcd.png

The shapes come from the config's test dataset through its test pipeline
(``--split`` names one part of a ``TaggedSplitsDataset``, default the
last: the split the SVM is scored on); ``--indices`` picks samples of that
part, otherwise ``--num-shapes`` are spread evenly over it. CHECKPOINT is
a ``.pth`` file or a work dir (its ``last_checkpoint``); ``--untrained``
draws the model as initialised.
"""
import argparse
import os
import os.path as osp
import sys
from typing import Any, List, Sequence, Tuple

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import matplotlib  # noqa: E402

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.dataset import pseudo_collate  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmengine.runner import load_checkpoint  # noqa: E402

import pointmcd_plugin  # noqa: E402,F401
from pointmcd_plugin.models.autoencoders.chamfer_loss import \
    chamfer_distance  # noqa: E402
from pointmcd_plugin.utils import resolve_checkpoint  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('config', help='the auto-encoder config (or a '
                   'distiller around one: its student predicts)')
    p.add_argument('checkpoint', nargs='?',
                   help='.pth file or work dir (its last checkpoint)')
    p.add_argument('--untrained', action='store_true',
                   help='draw the model as initialised (no checkpoint)')
    p.add_argument('--out', default='reconstructions.png')
    p.add_argument('--split', help='part of a TaggedSplitsDataset to draw '
                   'from (default: the last one)')
    p.add_argument('--indices', type=int, nargs='+',
                   help='sample indices within that part')
    p.add_argument('--num-shapes', type=int, default=4)
    p.add_argument('--seed', type=int, default=0,
                   help='torch seed of --untrained')
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = p.parse_args(argv)
    if (args.checkpoint is None) == (not args.untrained):
        p.error('give either a CHECKPOINT or --untrained')
    return args


def chamfer(a: torch.Tensor, b: torch.Tensor) -> float:
    """Symmetric Chamfer distance of (N, 3) and (M, 3), as the loss
    computes it (:func:`chamfer_distance`)."""
    return float(chamfer_distance(a[None].double(), b[None].double()))


def pick_samples(dataset, split, indices, num: int) -> Tuple[List[int], Any]:
    """Indices into ``dataset`` of the samples to draw, and the part of it
    they belong to (its metainfo names the categories)."""
    offset, length, part = 0, len(dataset), dataset
    names = getattr(dataset, 'split_names', None)  # TaggedSplitsDataset
    if names:
        split = split or names[-1]
        if split not in names:
            raise SystemExit(f'--split {split!r}: the test dataset has the '
                             f'parts {names}')
        k = names.index(split)
        offset = sum(len(d) for d in dataset.datasets[:k])
        part = dataset.datasets[k]
        length = len(part)
    elif split is not None:
        raise SystemExit(f'--split {split!r}: the test dataset '
                         f'({type(dataset).__name__}) has no named parts')
    if indices is None:
        indices = np.linspace(0, length - 1, min(num, length)).round()
    bad = [i for i in indices if not 0 <= i < length]
    if bad:
        raise SystemExit(f'--indices {bad}: the part drawn from has '
                         f'{length} samples')
    return [offset + int(i) for i in indices], part


def category(part, sample) -> str:
    """The sample's category name (``part``'s metainfo), or ''."""
    label = sample.get('gt_label')
    classes = (getattr(part, 'metainfo', None) or {}).get('classes')
    if label is None:
        return ''
    label = int(label[0] if label.ndim else label)
    return classes[label] if classes and label < len(classes) else str(label)


def scatter(ax, points: np.ndarray, title: str) -> None:
    ax.scatter(points[:, 0], points[:, 2], points[:, 1], s=2,
               c=points[:, 1], cmap='viridis', depthshade=False)
    ax.set_title(title, fontsize=8)
    lim = np.abs(points).max()
    for set_lim in (ax.set_xlim, ax.set_ylim, ax.set_zlim):
        set_lim(-lim, lim)
    ax.set_axis_off()


def draw(rows: Sequence, out: str, title: str) -> None:
    """``rows``: (input (N, 3), reconstruction (M, 3), name, chamfer)."""
    fig = plt.figure(figsize=(5, 2.5 * len(rows)))
    for i, (points, recon, name, cd) in enumerate(rows):
        scatter(fig.add_subplot(len(rows), 2, 2 * i + 1, projection='3d'),
                points, f'{name} input ({len(points)} points)')
        scatter(fig.add_subplot(len(rows), 2, 2 * i + 2, projection='3d'),
                recon, f'reconstruction ({len(recon)}), CD {cd:.4f}')
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)


def main(argv=None) -> None:
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmdet3d'))
    from mmdet3d.registry import DATASETS, MODELS
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    torch.manual_seed(args.seed)
    model = MODELS.build(cfg.model)
    if args.untrained:
        model.init_weights()
        source = 'untrained'
    else:
        source = resolve_checkpoint(args.checkpoint)
        load_checkpoint(model, source, map_location='cpu', strict=True,
                        logger='silent')
    model.eval()
    rows = []
    picked, part = pick_samples(dataset, args.split, args.indices,
                                args.num_shapes)
    with torch.no_grad():
        for idx in picked:
            data = model.data_preprocessor(pseudo_collate([dataset[idx]]))
            sample = model(**data, mode='predict')[0]
            if 'pred_points' not in sample:
                raise SystemExit(
                    f'{type(model).__name__} (model.type of {args.config}) '
                    "predicts no 'pred_points': draw an auto-encoder config")
            points = data['inputs']['points'][0][:, :3]
            recon = sample.pred_points
            rows.append((points.numpy(), recon.numpy(),
                         category(part, sample), chamfer(points, recon)))
    draw(rows, args.out, f'{osp.basename(args.config)}\n'
         f'{osp.relpath(source) if source != "untrained" else source}')
    print(f'wrote {args.out}: {len(rows)} shapes, mean Chamfer '
          f'{np.mean([r[3] for r in rows]):.4f}')


if __name__ == '__main__':
    main()
