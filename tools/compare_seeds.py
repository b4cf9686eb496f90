"""Train configs over several seeds with tools/train.py and print their
final test accuracy as mean +- std, side by side.

    python tools/compare_seeds.py configs/pointnet_synthetic.py \
        configs/pointmcd_pointnet_synthetic.py --seeds 0 1 2 \
        [--work-root work_dirs/seeds] [--cfg-options key=value ...]

Each (config, seed) trains in ``<work-root>/<config>/seed<k>`` with
``randomness.seed=k``; a run whose final checkpoint already exists is not
trained again (its log is read), so an interrupted comparison continues.
The accuracy is the last ``cls/overall_acc`` the run's log reports (the
test split after the final epoch).
"""
import argparse
import glob
import os.path as osp
import re
import subprocess
import sys
from datetime import datetime

import numpy as np

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
ACC = re.compile(r'Epoch\(val\).*cls/overall_acc: ([\d.]+)')


def final_accuracy(work_dir: str):
    """(accuracy, wall seconds) from the newest log of a finished run, or
    None if the run has not finished."""
    if not glob.glob(osp.join(work_dir, 'epoch_*.pth')):
        return None
    logs = sorted(glob.glob(osp.join(work_dir, '*', '*.log')))
    for log in reversed(logs):
        with open(log) as f:
            text = f.read()
        found = ACC.findall(text)
        stamps = re.findall(r'^(\d{4}/\d\d/\d\d \d\d:\d\d:\d\d)', text,
                            re.M)
        if found and stamps:
            t0, t1 = (datetime.strptime(s, '%Y/%m/%d %H:%M:%S')
                      for s in (stamps[0], stamps[-1]))
            return float(found[-1]), (t1 - t0).total_seconds()
    return None


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('configs', nargs='+')
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--work-root', default='work_dirs/seeds')
    p.add_argument('--cfg-options', nargs='+', default=[])
    args = p.parse_args()
    results = {}
    for config in args.configs:
        name = osp.splitext(osp.basename(config))[0]
        for seed in args.seeds:
            work_dir = osp.join(args.work_root, name, f'seed{seed}')
            if final_accuracy(work_dir) is None:
                print(f'[compare_seeds] training {name} seed {seed}',
                      flush=True)
                subprocess.run(
                    [sys.executable, osp.join(ROOT, 'tools', 'train.py'),
                     config, '--work-dir', work_dir, '--cfg-options',
                     f'randomness.seed={seed}'] + args.cfg_options,
                    check=True, stdout=subprocess.DEVNULL)
            results.setdefault(name, []).append(final_accuracy(work_dir))
    print(f'\n{"config":<36} {"seeds":>5} {"test OA mean +- std":>20} '
          f'{"per seed":>24} {"min / run":>9}')
    for name, runs in results.items():
        acc = np.array([a for a, _ in runs])
        minutes = np.mean([t for _, t in runs]) / 60
        per_seed = ' '.join(f'{a:.1f}' for a in acc)
        print(f'{name:<36} {len(acc):>5} {acc.mean():>12.1f} +- '
              f'{acc.std(ddof=1) if len(acc) > 1 else 0:.1f} '
              f'{per_seed:>24} {minutes:>9.1f}')


if __name__ == '__main__':
    main()
