"""Generate the embedded procedural dataset in the real datasets' layouts.

    python tools/create_synthetic_data.py [--root data/synthetic_shapes]
        [--seed 0] [--tasks cls partseg core] [--num-points 2048]
        [--cls-train N --cls-test N] [--seg-train N --seg-val N --seg-test N]
        [--core-train N --core-val N --core-test N]

Writes ``<root>/synthetic_cls_hdf5_<P>/`` (ModelNet40 HDF5 layout),
``<root>/synthetic_partseg_normal/`` (ShapeNetPart layout) and
``<root>/synthetic_core_hdf5_<P>/`` (ShapeNetCore v2 HDF5 layout). Configs that use
the set generate it on first use with the same code, so running this is
only needed to pick other sizes or to inspect the files.
"""
import argparse
import os.path as osp
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from pointmcd_plugin.datasets.synthetic import CLASSES, PART_IDS, generate  # noqa
from pointmcd_plugin.datasets.synthetic.writer import (  # noqa
    CLS_DEFAULTS, CORE_DEFAULTS, GENERATORS, PARTSEG_DEFAULTS)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--root', default='data/synthetic_shapes')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--tasks', nargs='+', default=list(GENERATORS),
                   choices=list(GENERATORS))
    p.add_argument('--num-points', type=int,
                   default=CLS_DEFAULTS['num_points'])
    p.add_argument('--cls-train', type=int,
                   default=CLS_DEFAULTS['num_train_per_class'],
                   help='training shapes per class')
    p.add_argument('--cls-test', type=int,
                   default=CLS_DEFAULTS['num_test_per_class'])
    p.add_argument('--seg-train', type=int,
                   default=PARTSEG_DEFAULTS['num_train_per_class'])
    p.add_argument('--seg-val', type=int,
                   default=PARTSEG_DEFAULTS['num_val_per_class'])
    p.add_argument('--seg-test', type=int,
                   default=PARTSEG_DEFAULTS['num_test_per_class'])
    p.add_argument('--core-train', type=int,
                   default=CORE_DEFAULTS['num_train_per_class'])
    p.add_argument('--core-val', type=int,
                   default=CORE_DEFAULTS['num_val_per_class'])
    p.add_argument('--core-test', type=int,
                   default=CORE_DEFAULTS['num_test_per_class'])
    return p.parse_args()


def main():
    args = parse_args()
    start = time.time()
    out = generate(
        args.root, tasks=args.tasks, seed=args.seed,
        cls=dict(num_train_per_class=args.cls_train,
                 num_test_per_class=args.cls_test,
                 num_points=args.num_points),
        partseg=dict(num_train_per_class=args.seg_train,
                     num_val_per_class=args.seg_val,
                     num_test_per_class=args.seg_test,
                     num_points=args.num_points),
        core=dict(num_train_per_class=args.core_train,
                  num_val_per_class=args.core_val,
                  num_test_per_class=args.core_test,
                  num_points=args.num_points))
    print(f'{len(CLASSES)} classes, '
          f'{sum(len(v) for v in PART_IDS.values())} parts; '
          f'done in {time.time() - start:.1f}s')
    for task, path in out.items():
        print(f'{task:8s} {path}')


if __name__ == '__main__':
    main()
