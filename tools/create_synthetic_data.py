"""Generate the embedded procedural dataset in the real datasets' layouts.

    python tools/create_synthetic_data.py [--root data/synthetic_shapes]
        [--seed 0] [--tasks cls partseg core] [--num-points 2048]
        [--cls-train N --cls-val N --cls-test N] [--seg-train N --seg-val N --seg-test N]
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

# (task, command-line prefix, default sizes) -> --<prefix>-<split> flags
TASK_FLAGS = (('cls', 'cls', CLS_DEFAULTS),
              ('partseg', 'seg', PARTSEG_DEFAULTS),
              ('core', 'core', CORE_DEFAULTS))
SPLITS = ('train', 'val', 'test')


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--root', default='data/synthetic_shapes')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--tasks', nargs='+', default=list(GENERATORS),
                   choices=list(GENERATORS))
    p.add_argument('--num-points', type=int,
                   default=CLS_DEFAULTS['num_points'])
    for task, flag, defaults in TASK_FLAGS:
        for split in SPLITS:
            key = f'num_{split}_per_class'
            if key in defaults:
                p.add_argument(f'--{flag}-{split}', type=int,
                               default=defaults[key],
                               help=f'{task}: {split} shapes per class')
    return p.parse_args()


def main():
    args = parse_args()
    start = time.time()
    task_args = {}
    for task, flag, defaults in TASK_FLAGS:
        task_args[task] = dict(num_points=args.num_points, **{
            f'num_{split}_per_class': getattr(args, f'{flag}_{split}')
            for split in SPLITS if f'num_{split}_per_class' in defaults})
    out = generate(args.root, tasks=args.tasks, seed=args.seed, **task_args)
    print(f'{len(CLASSES)} classes, '
          f'{sum(len(v) for v in PART_IDS.values())} parts; '
          f'done in {time.time() - start:.1f}s')
    for task, path in out.items():
        print(f'{task:8s} {path}')


if __name__ == '__main__':
    main()
