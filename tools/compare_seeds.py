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
``<results-dir>/<config>/<digest of the resolved config>.json``. A run
whose record exists is not trained again (whichever spec asked for it),
so an interrupted comparison continues (an interrupted training resumes
from its last checkpoint) and a changed config trains anew;
``--summary-only`` prints what the records hold without training.
Validation is the config's validation split (choose hyper-parameters
there); test is its test split.
"""
import argparse
import os
import os.path as osp
import subprocess
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

from pointmcd_plugin.utils.comparison import (  # noqa: E402
    Row, Spec, apply_choices, collect_records, format_markdown, load_spec,
    make_record, summarize, write_record)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('inputs', nargs='+',
                   help='one comparison spec, or several configs')
    p.add_argument('--seeds', type=int, nargs='+')
    p.add_argument('--rows', nargs='+', help='run only these rows')
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


def commit() -> str:
    try:
        sha = subprocess.run(['git', 'rev-parse', 'HEAD'], cwd=ROOT,
                             capture_output=True, text=True,
                             check=True).stdout.strip()
        dirty = subprocess.run(['git', 'status', '--porcelain',
                                '--untracked-files=no'], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
        return sha + ('+dirty' if dirty else '')
    except (OSError, subprocess.CalledProcessError):
        return 'unknown'


def run_tool(argv, console: str, what: str) -> None:
    """Run a tools/ script with this Python; on failure, stop naming the
    step, its console log and its last lines."""
    os.makedirs(osp.dirname(console), exist_ok=True)
    with open(console, 'a') as f:
        f.write(f'\n$ {" ".join(argv)}\n')
        f.flush()
        code = subprocess.run([sys.executable] + argv, stdout=f,
                              stderr=subprocess.STDOUT).returncode
    if code != 0:
        with open(console) as f:
            tail = ''.join(f.readlines()[-15:])
        raise SystemExit(f'[compare] {what} failed (exit {code}); log: '
                         f'{console}\n{tail}')


def tool(name: str) -> str:
    return osp.join(ROOT, 'tools', name)


def final_checkpoint(work_dir: str) -> str:
    """The checkpoint mmengine's last_checkpoint file names."""
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        return f.read().strip()


def is_spec(path: str) -> bool:
    """A comparison spec defines ``rows``; a training config does not."""
    from mmengine.config import Config
    return 'rows' in Config.fromfile(path)


def cli_options(options) -> list:
    """``--cfg-options k=v ...`` (nothing when there are no options)."""
    if not options:
        return []
    return ['--cfg-options'] + [f'{k}={v}' for k, v in options.items()]


def prepare(spec: Spec, target: str) -> None:
    """Produce ``target`` (a teacher's knowledge) if missing: run the
    spec's ``requires`` entries in order, up to the one writing it, each
    only when its file is missing."""
    if osp.isfile(target):
        return
    files = [req['file'] for req in spec.requires]
    if target not in files:
        raise SystemExit(f'[compare] {target} does not exist and no '
                         f'`requires` entry of {spec.path} produces it')
    for req in spec.requires[:files.index(target) + 1]:
        if osp.isfile(req['file']):
            continue
        argv = list(req['command'])
        if argv and argv[0].startswith('tools/'):
            argv[0] = osp.join(ROOT, argv[0])
        console = osp.join('work_dirs', 'compare', spec.name,
                           'requires.console.log')
        print(f'[compare] producing {req["file"]}: {" ".join(argv)} '
              f'(log: {console})', flush=True)
        run_tool(argv, console, f'producing {req["file"]}')
        if not osp.isfile(req['file']):
            raise SystemExit(f'[compare] {" ".join(argv)} did not write '
                             f'{req["file"]}')


def main():
    args = parse_args()
    if len(args.inputs) == 1 and is_spec(args.inputs[0]):
        spec = load_spec(args.inputs[0], args.seeds)
    else:
        spec = spec_from_configs(args.inputs, args.seeds)
    apply_choices(spec, args.results_dir)
    rows = [spec.row(n) for n in args.rows] if args.rows else spec.rows
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
        console = osp.join(work_dir, 'console.log')
        elapsed = time.time() - start
        eta = (f', about {elapsed / k * (len(todo) - k) / 60:.0f} min left'
               if k else '')
        print(f'[compare] run {k + 1}/{len(todo)}: {row.name}, seed {seed} '
              f'({elapsed / 60:.0f} min elapsed{eta}); log in {work_dir}',
              flush=True)
        if row.knowledge is not None:
            prepare(spec, row.knowledge)
        t0 = time.time()
        train = [tool('train.py'), row.config, '--work-dir', work_dir,
                 *cli_options(dict({'randomness.seed': seed}, **options))]
        if osp.isfile(osp.join(work_dir, 'last_checkpoint')):
            train.append('--resume')
        run_tool(train, console, f'training {row.name} seed {seed}')
        checkpoint = final_checkpoint(work_dir)
        test_dir = osp.join(work_dir, 'test')
        run_tool([tool('test.py'), row.config, checkpoint, '--work-dir',
                  test_dir, *cli_options(options)],
                 console, f'testing {row.name} seed {seed}')
        record = make_record(row, seed, options, digest, work_dir, test_dir,
                             checkpoint, (time.time() - t0) / 60, commit())
        write_record(path, record)
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
