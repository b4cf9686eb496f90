"""Run the whole PointMCD method on the embedded data, with nothing
prepared, and print one table: teacher, baseline, loss-scale control and
PointMCD per student, with PointMCD's paired difference against the
control.

    python tools/demo.py                       # PointNet, seed 0
    python tools/demo.py --seeds 0 1 2 --students pointnet dgcnn pointnet2
    # options
        [--spec configs/demo/pointmcd_cls_synthetic.py]
        [--work-dir work_dirs/demo] [--sweep-results results]
        [--allow-untuned] [--dry-run]

The plan is the demo spec's (``--spec``; format in
``pointmcd_plugin/utils/plans.py``): the default trains the image teacher
on the students' own shapes and tests it, exports its knowledge of the
training split (with its manifest), then trains and tests every student
row with identical schedules (``tools/train.py`` / ``tools/test.py``, as
``tools/compare_seeds.py`` does: the same run, in
``pointmcd_plugin/utils/stages.py``). The rows use the options (learning
rate) their sweep chose on validation, read from the sweep records in
``--sweep-results``; a student whose sweep has not finished stops the demo
before anything runs, naming the sweep and the command that runs it
(``--allow-untuned`` runs such rows at their config's own options instead,
named "(not tuned)" in the table).

Each stage's tools log into its work dir under ``--work-dir`` (mmengine's
logs, and the tools' console output in ``console.log``); the console shows
``[demo] stage k/n: ...`` lines. Run it again after Ctrl-C or a kill: the
finished stages (outputs present and made by the same resolved config:
records keyed by its digest) are skipped and an interrupted training
resumes from its last checkpoint. The table is printed and written to
``<work-dir>/demo.md``, with a chart (``demo.png``) and every number with
its config, seed, checkpoint and commit (``demo.json``). Run it from the
repository root (the configs' data roots are relative to it).
"""
import argparse
import os.path as osp
import signal
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

from pointmcd_plugin.utils.plans import (  # noqa: E402
    PlanError, build_plan, estimate_left, format_progress, load_demo_spec,
    stage_action, write_outputs)
from pointmcd_plugin.utils.stages import StageFailed  # noqa: E402

DEFAULT_SPEC = osp.join(ROOT, 'configs', 'demo', 'pointmcd_cls_synthetic.py')


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--spec', default=DEFAULT_SPEC,
                   help='the demo spec (which stages, configs and rows)')
    p.add_argument('--students', nargs='+',
                   help="students to run (default: the spec's); each maps "
                   'to configs/<s>_synthetic.py and '
                   'configs/pointmcd_<s>_synthetic.py')
    p.add_argument('--seeds', type=int, nargs='+',
                   help="seeds of the student rows (default: the spec's, "
                   '0); the teacher is trained once, seed 0')
    p.add_argument('--work-dir', default='work_dirs/demo',
                   help='stage work dirs, run records and the outputs')
    p.add_argument('--sweep-results', default=osp.join(ROOT, 'results'),
                   help='the sweep records the learning rates are chosen '
                   'from')
    p.add_argument('--allow-untuned', action='store_true',
                   help="run rows whose sweep has not finished at their "
                   "config's own options, named '(not tuned)'")
    p.add_argument('--dry-run', action='store_true',
                   help='list the stages, finished or not, and exit')
    return p.parse_args()


def say(text: str) -> None:
    print(f'[demo] {text}', flush=True)


def _terminate(signum, frame):
    # A kill stops the running tool too (run_tool terminates it), and the
    # next run resumes from there.
    raise KeyboardInterrupt(f'signal {signum}')


def run_plan(plan) -> None:
    """Run the plan's unfinished stages in order, printing progress."""
    stages = plan.stages
    todo = [s for s in stages if not s.finished()]
    start = time.time()
    spent = estimated = 0.0
    for k, stage in enumerate(stages, 1):
        if stage not in todo:
            say(f'stage {k}/{len(stages)}: {stage_action(stage)}: finished '
                f'before ({stage.outputs()[0]}), skipped')
            continue
        left = estimate_left(todo[todo.index(stage):], spent, estimated)
        print(format_progress(k, len(stages),
                              f'{stage_action(stage)}, log in '
                              f'{stage.console}', time.time() - start, left),
              flush=True)
        t0 = time.time()
        try:
            stage.run()
        except StageFailed as error:
            raise SystemExit(f'[demo] stage {k}/{len(stages)} '
                             f'({stage.name}) failed: {error}') from None
        except KeyboardInterrupt:
            raise SystemExit(
                f'[demo] interrupted during stage {k}/{len(stages)} '
                f'({stage.name}); run the same command again to continue '
                'from there') from None
        if not stage.finished():
            missing = [p for p in stage.outputs() if not osp.isfile(p)]
            raise SystemExit(f'[demo] stage {k}/{len(stages)} ({stage.name}) '
                             f'ran but left no {missing}; log: '
                             f'{stage.console}')
        spent += (time.time() - t0) / 60
        estimated += stage.minutes or 0.0


def main():
    signal.signal(signal.SIGTERM, _terminate)
    try:
        demo(parse_args())
    except KeyboardInterrupt:
        raise SystemExit('[demo] interrupted; run the same command again to '
                         'continue') from None


def demo(args) -> None:
    """Plan, run what is unfinished, and write the table, chart and JSON."""
    try:
        spec = load_demo_spec(args.spec)
        say(f'planning {spec.title} ({args.spec})')
        plan = build_plan(spec, osp.normpath(args.work_dir),
                          students=args.students, seeds=args.seeds,
                          sweep_results=args.sweep_results,
                          allow_untuned=args.allow_untuned)
    except PlanError as error:
        raise SystemExit(f'[demo] {error}') from None
    for note in plan.notes:
        say(note)
    if args.dry_run:
        for k, stage in enumerate(plan.stages, 1):
            state = 'finished' if stage.finished() else 'to run'
            say(f'stage {k}/{len(plan.stages)}: {stage_action(stage)}: '
                f'{state}; {stage.work_dir}')
        return
    run_plan(plan)
    paths, report = write_outputs(plan, plan.work_dir)
    print('\n' + report, flush=True)
    say(f'wrote {paths["markdown"]}, {paths["chart"]} and {paths["json"]}')


if __name__ == '__main__':
    main()
