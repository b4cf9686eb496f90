"""Run a fair comparison over seeds and print its summary: per-seed
validation and test values, mean +- std, and the paired per-seed
difference against a reference row.

    # a comparison spec (rows of config + --cfg-options, seeds, reference)
    python tools/compare_seeds.py configs/comparisons/pointnet_synthetic.py
    # or plain configs, one row each
    python tools/compare_seeds.py configs/pointnet_synthetic.py \\
        configs/pointmcd_pointnet_synthetic.py --seeds 0 1 2
    # options
        [--seeds 0 1 2] [--rows NAME ...] [--results-dir results]
        [--work-root work_dirs/compare] [--summary-only]
        [--markdown FILE.md] [--json FILE.json]

The spec format is described in ``pointmcd_plugin/utils/comparison.py``.
Each (row, seed) trains with ``tools/train.py --work-dir
<work-root>/<spec>/<row>/seed<k> --cfg-options randomness.seed=k ...``
(mmengine's log in that work dir, the tools' console output in its
``console.log``), is then evaluated on the test split by ``tools/test.py``
on the final checkpoint, and leaves a record in
``<results-dir>/<config>/<digest of the resolved config>.json`` (the run
of ``pointmcd_plugin/utils/stages.py``, which tools/demo.py shares). A run
whose record exists is not trained again (whichever spec asked for it),
so an interrupted comparison continues (an interrupted training resumes
from its last checkpoint) and a changed config trains anew;
``--summary-only`` prints what the records hold without training.
Validation is the config's validation split (choose hyper-parameters
there); test is its test split.
"""
import argparse
import os.path as osp
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

from pointmcd_plugin.utils.comparison import (  # noqa: E402
    Row, Spec, apply_choices, collect_records, format_markdown, load_spec,
    summarize)
from pointmcd_plugin.utils.stages import (  # noqa: E402
    StageFailed, produce_required, train_test_record)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('inputs', nargs='+',
                   help='one comparison spec, or several configs')
    p.add_argument('--seeds', type=int, nargs='+')
    p.add_argument('--rows', nargs='+',
                   help='run only these rows (a swept row: all its values)')
    p.add_argument('--results-dir', default=osp.join(ROOT, 'results'))
    p.add_argument('--work-root', default='work_dirs/compare')
    p.add_argument('--summary-only', action='store_true')
    p.add_argument('--markdown', help='also write the table here')
    p.add_argument('--json', help='also write the summary here')
    return p.parse_args()


def spec_from_configs(configs, seeds) -> Spec:
    rows = [Row(name=osp.splitext(osp.basename(c))[0], config=c)
            for c in configs]
    return Spec(name='configs', path='(command line)', rows=rows,
                seeds=list(seeds or [0, 1, 2]),
                reference=rows[0].name if len(rows) > 1 else None)


def is_spec(path: str) -> bool:
    """A comparison spec defines ``rows``; a training config does not."""
    from mmengine.config import Config
    return 'rows' in Config.fromfile(path)


def main():
    args = parse_args()
    if len(args.inputs) == 1 and is_spec(args.inputs[0]):
        spec = load_spec(args.inputs[0], args.seeds)
    else:
        spec = spec_from_configs(args.inputs, args.seeds)
    apply_choices(spec, args.results_dir)
    rows = spec.select(args.rows) if args.rows else spec.rows
    records, missing = collect_records(spec, args.results_dir)
    todo = [] if args.summary_only else [m for m in missing if m[0] in rows]
    # Seed by seed: an interrupted comparison has every row of its first
    # seeds rather than every seed of its first rows.
    order = {row.name: i for i, row in enumerate(spec.rows)}
    todo.sort(key=lambda run: (spec.seeds.index(run[1]), order[run[0].name]))
    start = time.time()
    for k, (row, seed, options, digest, path) in enumerate(todo):
        work_dir = osp.join(args.work_root, spec.name, row.slug,
                            f'seed{seed}')
        elapsed = time.time() - start
        eta = (f', about {elapsed / k * (len(todo) - k) / 60:.0f} min left'
               if k else '')
        print(f'[compare] run {k + 1}/{len(todo)}: {row.name}, seed {seed} '
              f'({elapsed / 60:.0f} min elapsed{eta}); log in {work_dir}',
              flush=True)
        try:
            if row.knowledge is not None:
                produce_required(
                    spec, row.knowledge,
                    osp.join('work_dirs', 'compare', spec.name,
                             'requires.console.log'),
                    say=lambda text: print(f'[compare] {text}', flush=True))
            record = train_test_record(row, seed, options, digest, path,
                                       work_dir)
        except StageFailed as error:
            raise SystemExit(f'[compare] {error}') from None
        records.setdefault(row.name, {})[seed] = record
    summary = summarize(spec, records)
    table = format_markdown(summary)
    print(f'\n{spec.name}: {spec.metric}, validation and test, '
          f'seeds {spec.seeds}\n')
    print(table)
    if args.markdown:
        with open(args.markdown, 'w') as f:
            f.write(table)
    if args.json:
        import json
        with open(args.json, 'w') as f:
            json.dump(summary, f, indent=1)


if __name__ == '__main__':
    main()
