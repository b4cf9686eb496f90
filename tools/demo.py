"""Run the whole PointMCD method on the embedded data, with nothing
prepared, and print one table per setting: teacher, baseline, loss-scale
control and PointMCD per student, with PointMCD's paired difference
against the control.

    python tools/demo.py                       # classification, PointNet
    python tools/demo.py --settings cls partseg    # + part segmentation
    python tools/demo.py --seeds 0 1 2 --students pointnet dgcnn
    # options
        [--settings cls partseg | --spec FILE [FILE ...]]
        [--work-dir work_dirs/demo] [--sweep-results results]
        [--allow-untuned] [--dry-run]

A setting is one demo spec (format in ``pointmcd_plugin/utils/plans.py``):
``--settings NAME ...`` runs ``configs/demo/pointmcd_<NAME>_synthetic.py``
for each NAME, in order (``cls``: classification, the default;
``partseg``: part segmentation), ``--spec FILE ...`` any spec files. All
are planned before anything runs, their stages then run in order under one
progress count, and each setting writes its own report. Each spec trains
its image teacher on the students' own shapes and tests it, exports its
knowledge of the training split (with its manifest), then trains and
tests every student row with identical schedules (``tools/train.py`` /
``tools/test.py``, as ``tools/compare_seeds.py`` does: the same run, in
``pointmcd_plugin/utils/stages.py``). The rows use the options (learning
rate) their sweep chose on validation, read from the sweep records in
``--sweep-results``; a student whose sweep has not finished stops the demo
before anything runs, naming the sweep and the command that runs it
(``--allow-untuned`` runs such rows at their config's own options instead,
named "(not tuned)" in the table). ``--students`` and ``--seeds`` apply to
every setting.

Each setting's stages work in ``<work-dir>/<setting>/`` (mmengine's logs,
and the tools' console output in ``console.log``); the console shows
``[demo] stage k/n: <setting>: ...`` lines, counted over all settings. Run
it again after Ctrl-C or a kill: the finished stages (outputs present and
made by the same resolved config: records keyed by its digest) are
skipped and an interrupted training resumes from its last checkpoint.
When a setting's last stage has finished, its table is printed and
written to ``<work-dir>/<setting>/demo.md``, with a chart (``demo.png``)
and every number with its config, seed, checkpoint and commit
(``demo.json``). Run it from the repository root (the configs' data roots
are relative to it).
"""
import argparse
import os.path as osp
import signal
import sys
import time
from typing import Callable, List, Sequence, Tuple

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

from pointmcd_plugin.utils.plans import (  # noqa: E402
    Plan, PlanError, build_plans, estimate_left, format_progress,
    known_settings, load_demo_spec, setting_spec, stage_action,
    write_outputs)
from pointmcd_plugin.utils.stages import Stage, StageFailed  # noqa: E402

DEFAULT_SETTINGS = ['cls']


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0].replace('\n', ' '),
        epilog='Settings, stages, outputs and their measured cost: '
        'docs/demo.md; the spec format: pointmcd_plugin/utils/plans.py.')
    which = p.add_mutually_exclusive_group()
    which.add_argument(
        '--settings', nargs='+', metavar='NAME',
        help='settings to run, in order, one progress count and one report '
        'each: configs/demo/pointmcd_<NAME>_synthetic.py; known: '
        f'{", ".join(known_settings())} (default: '
        f'{" ".join(DEFAULT_SETTINGS)})')
    which.add_argument('--spec', nargs='+', metavar='FILE',
                       help='demo spec files to run instead of --settings '
                       "(each a setting named by its file's name)")
    p.add_argument('--students', nargs='+',
                   help="students to run in every setting (default: each "
                   "spec's own); e.g. pointnet dgcnn pointnet2")
    p.add_argument('--seeds', type=int, nargs='+',
                   help="seeds of the student rows (default: the spec's, "
                   '0); the teacher is trained once, seed 0')
    p.add_argument('--work-dir', default='work_dirs/demo',
                   help='<work-dir>/<setting>/: stage work dirs, run records '
                   'and the outputs')
    p.add_argument('--sweep-results', default=osp.join(ROOT, 'results'),
                   help='the sweep records the learning rates are chosen '
                   'from')
    p.add_argument('--allow-untuned', action='store_true',
                   help="run rows whose sweep has not finished at their "
                   "config's own options, named '(not tuned)'")
    p.add_argument('--dry-run', action='store_true',
                   help='list the stages, finished or not, and exit')
    return p.parse_args(argv)


def say(text: str) -> None:
    print(f'[demo] {text}', flush=True)


def _terminate(signum, frame):
    # A kill stops the running tool too (run_tool terminates it), and the
    # next run resumes from there.
    raise KeyboardInterrupt(f'signal {signum}')


def steps_of(plans: Sequence[Plan]) -> List[Tuple[Plan, Stage]]:
    """Every stage of every plan, in the order they run."""
    return [(plan, stage) for plan in plans for stage in plan.stages]


def run_plans(plans: Sequence[Plan],
              finished: Callable[[Plan], None]) -> None:
    """Run the plans' unfinished stages in order under one progress count,
    calling ``finished(plan)`` after each plan's last stage."""
    steps = steps_of(plans)
    n = len(steps)
    todo = [stage for _, stage in steps if not stage.finished()]
    start = time.time()
    spent = estimated = 0.0
    for k, (plan, stage) in enumerate(steps, 1):
        what = f'{plan.setting}: {stage_action(stage)}'
        if stage not in todo:
            say(f'stage {k}/{n}: {what}: finished before '
                f'({stage.outputs()[0]}), skipped')
        else:
            left = estimate_left(todo[todo.index(stage):], spent, estimated)
            print(format_progress(k, n, f'{what}, log in {stage.console}',
                                  time.time() - start, left), flush=True)
            t0 = time.time()
            run_stage(stage, f'stage {k}/{n} ({plan.setting}: {stage.name})')
            spent += (time.time() - t0) / 60
            estimated += stage.minutes or 0.0
        if stage is plan.stages[-1]:
            finished(plan)


def run_stage(stage: Stage, label: str) -> None:
    """Run one stage; a failure or an interruption stops the demo with
    ``label`` (which stage), its log and what to do."""
    try:
        stage.run()
    except StageFailed as error:
        raise SystemExit(f'[demo] {label} failed: {error}') from None
    except KeyboardInterrupt:
        raise SystemExit(f'[demo] interrupted during {label}; run the same '
                         'command again to continue from there') from None
    if not stage.finished():
        missing = [p for p in stage.outputs() if not osp.isfile(p)]
        raise SystemExit(f'[demo] {label} ran but left no {missing}; log: '
                         f'{stage.console}')


def main():
    signal.signal(signal.SIGTERM, _terminate)
    try:
        demo(parse_args())
    except KeyboardInterrupt:
        raise SystemExit('[demo] interrupted; run the same command again to '
                         'continue') from None


def spec_files(args: argparse.Namespace) -> List[str]:
    """The spec files ``--settings`` / ``--spec`` name."""
    if args.spec:
        return list(args.spec)
    return [setting_spec(name) for name in args.settings or DEFAULT_SETTINGS]


def plan_all(args: argparse.Namespace) -> List[Plan]:
    """Every setting's plan (a :class:`PlanError` stops the demo before
    anything runs)."""
    specs = []
    for path in spec_files(args):
        spec = load_demo_spec(path)
        say(f'planning {spec.setting}: {spec.title} ({path})')
        specs.append(spec)
    return build_plans(specs, osp.normpath(args.work_dir),
                       students=args.students, seeds=args.seeds,
                       sweep_results=args.sweep_results,
                       allow_untuned=args.allow_untuned)


def report(plan: Plan) -> None:
    """Print a finished plan's table and write its Markdown, PNG, JSON."""
    try:
        paths, text = write_outputs(plan, plan.work_dir)
    except PlanError as error:
        raise SystemExit(f'[demo] {plan.setting}: {error}') from None
    print('\n' + text, flush=True)
    say(f'{plan.setting}: wrote {paths["markdown"]}, {paths["chart"]} and '
        f'{paths["json"]}')


def demo(args: argparse.Namespace) -> None:
    """Plan every setting, run what is unfinished, and write each
    setting's table, chart and JSON."""
    try:
        plans = plan_all(args)
    except PlanError as error:
        raise SystemExit(f'[demo] {error}') from None
    for plan in plans:
        for note in plan.notes:
            say(f'{plan.setting}: {note}')
    if args.dry_run:
        steps = steps_of(plans)
        for k, (plan, stage) in enumerate(steps, 1):
            state = 'finished' if stage.finished() else 'to run'
            say(f'stage {k}/{len(steps)}: {plan.setting}: '
                f'{stage_action(stage)}: {state}; {stage.work_dir}')
        return
    run_plans(plans, report)


if __name__ == '__main__':
    main()
