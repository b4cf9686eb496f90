"""Stages and demo plans: a stage is finished only by outputs made by what
it runs now (its digest), plans expand students and seeds in order and
pair each student with its own control, rows take the options their sweep
chose (or stop naming the sweep), and the table, chart and JSON writers
render a hand-made summary; several settings plan together, each in its
own work dir, rows are read by their own metric where the spec says so,
and the part-segmentation spec plans its stages."""
import json
import os
import os.path as osp
import re

import numpy as np
import pytest

from pointmcd_plugin.utils.comparison import (Row, Spec, collect_records,
                                              format_markdown, load_spec,
                                              plot_summary, summarize,
                                              write_record)
from pointmcd_plugin.utils.plans import (NOT_TUNED, PlanError, build_plan,
                                         build_plans, demo_json,
                                         estimate_left, format_progress,
                                         format_report, known_settings,
                                         load_demo_spec, setting_of,
                                         setting_spec, write_json,
                                         write_outputs)
from pointmcd_plugin.utils.stages import (STAGE_RECORD, ExportStage,
                                          RunStage, StageFailed,
                                          claim_work_dir, read_stage_record,
                                          run_tool, write_stage_record)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
METRIC = 'cls/overall_acc'


def write_configs(root):
    """Tiny configs: a teacher, and for students a and b a baseline and a
    PointMCD config whose training pipeline has a LoadTeacherKnowledge
    step."""
    configs = root / 'configs'
    configs.mkdir()
    (configs / 'teacher.py').write_text("model = dict(type='T')\n")
    for s in ('a', 'b'):
        (configs / f'{s}_synthetic.py').write_text(
            f"model = dict(type='{s}')\n"
            "optim_wrapper = dict(optimizer=dict(lr=0.1))\n")
        (configs / f'pointmcd_{s}_synthetic.py').write_text(
            f"model = dict(type='D', student=dict(type='{s}'), "
            "distill_loss=dict(loss_weight=1.0))\n"
            "optim_wrapper = dict(optimizer=dict(lr=0.1))\n"
            "train_dataloader = dict(dataset=dict(pipeline=[\n"
            "    dict(type='Load'),\n"
            "    dict(type='LoadTeacherKnowledge', cache='k.npy')]))\n")
    return configs


SPEC = '''
title = 'tiny demo'
metric = 'cls/overall_acc'
seeds = [0]
students = ['a']
student_names = dict(a='Student A', b='Student B')
reference = 'control'
stages = [
    dict(name='teacher', kind='run', config='../teacher.py', seeds=[0],
         chart='line', cfg_options={TEACHER}),
    dict(name='knowledge', kind='export', source='teacher', split='train',
         args=['--num-workers', '0']),
    dict(name='baseline', kind='run', each_student=True,
         config='../{student}_synthetic.py', minutes=2{BASELINE}),
    dict(name='control', kind='run', each_student=True,
         config='../pointmcd_{student}_synthetic.py', knowledge='knowledge',
         cfg_options={'model.distill_loss.loss_weight': 0.0}, minutes=3),
    dict(name='PointMCD', kind='run', each_student=True,
         config='../pointmcd_{student}_synthetic.py', knowledge='knowledge',
         minutes=dict(a=4, b=5)),
]
'''


def write_spec(configs, teacher='{}', baseline='', text=SPEC):
    folder = configs / 'demo'
    folder.mkdir(exist_ok=True)
    path = folder / 'spec.py'
    path.write_text(text.replace('{TEACHER}', teacher)
                    .replace('{BASELINE}', baseline))
    return str(path)


def fake_record(stage, val, test, minutes=1.0):
    """The record tools/compare_seeds' run would leave for ``stage``."""
    write_record(stage.record_file, dict(
        version=1, row=stage.row.name, group=stage.row.group,
        config=stage.row.config, cfg_options=stage.options, seed=stage.seed,
        config_digest=stage.digest, val={METRIC: val, 'step': 1},
        test={METRIC: test}, losses={'loss': [2.0, 1.0]},
        checkpoint=osp.join(stage.work_dir, 'epoch_1.pth'), minutes=minutes,
        commit='abc'))


def test_a_run_stage_is_finished_by_a_record_of_its_own_digest(tmp_path):
    configs = write_configs(tmp_path)
    row = Row('a', str(configs / 'a_synthetic.py'))
    results, work = str(tmp_path / 'results'), str(tmp_path / 'work')
    stage = RunStage(row, 0, results, work)
    assert not stage.finished() and stage.metrics() is None
    fake_record(stage, 80.0, 70.0)
    assert stage.finished()
    assert stage.metrics()['test'] == {METRIC: 70.0}
    assert stage.outputs() == [stage.record_file]
    # Another seed or other options: another digest, not finished.
    assert not RunStage(row, 1, results, work).finished()
    tuned = Row('a', row.config, {'optim_wrapper.optimizer.lr': 0.01})
    other = RunStage(tuned, 0, results, work)
    assert other.digest != stage.digest and not other.finished()
    # A record under the right name made by something else is not taken.
    with open(stage.record_file) as f:
        record = json.load(f)
    write_record(stage.record_file, dict(record, config_digest='0' * 64))
    assert not stage.finished()
    train, test = stage.argv()
    assert train[0].endswith(osp.join('tools', 'train.py'))
    assert train[-2:] == ['--cfg-options', 'randomness.seed=0']
    assert test[0].endswith(osp.join('tools', 'test.py'))


def test_an_export_stage_is_finished_by_its_files_and_digest(tmp_path):
    configs = write_configs(tmp_path)
    teacher = RunStage(Row('teacher', str(configs / 'teacher.py')), 0,
                       str(tmp_path / 'results'), str(tmp_path / 't'))
    work = str(tmp_path / 'export')
    out = osp.join(work, 'knowledge.npy')
    stage = ExportStage('knowledge', teacher, 'train', out, work,
                        args=['--num-workers', '0'])
    assert not stage.finished()
    os.makedirs(work)
    np.save(out, np.zeros((2, 12, 4), np.float32))
    with open(osp.join(work, 'knowledge.json'), 'w') as f:
        json.dump(dict(shape_ids=['x', 'y']), f)
    assert not stage.finished()  # files, but no stage record
    write_stage_record(work, digest=stage.digest, out=out)
    assert stage.finished()
    assert stage.outputs()[-1] == osp.join(work, STAGE_RECORD)
    # The same files for another split or another teacher: not finished.
    assert not ExportStage('knowledge', teacher, 'test', out, work).finished()
    other = RunStage(Row('teacher', teacher.row.config,
                         {'model.type': 'T2'}), 0, teacher.results_dir,
                     teacher.work_dir)
    assert not ExportStage('knowledge', other, 'train', out, work,
                           args=['--num-workers', '0']).finished()
    os.remove(osp.join(work, 'knowledge.json'))  # a killed export
    assert not stage.finished()
    argv, = stage.argv()
    assert argv[1:] == [teacher.row.config, teacher.work_dir, '--split',
                        'train', '--out', out, '--num-workers', '0']


def test_a_work_dir_of_another_config_is_not_resumed(tmp_path):
    work = tmp_path / 'w'
    work.mkdir()
    last = work / 'last_checkpoint'
    last.write_text('epoch_1.pth')
    # Made before stage records existed: resumed as it is.
    assert claim_work_dir(str(work), 'd1') == dict(digest='d1',
                                                   trained=False)
    assert last.exists()
    write_stage_record(str(work), digest='d1', trained=True)
    assert claim_work_dir(str(work), 'd1')['trained']
    assert last.exists()
    # Another digest: starts afresh (no checkpoint of something else).
    state = claim_work_dir(str(work), 'd2', seed=3)
    assert state == dict(digest='d2', trained=False, seed=3)
    assert not last.exists()
    assert read_stage_record(str(work)) == state


def test_a_failing_tool_names_the_step_its_log_and_last_lines(tmp_path):
    script = tmp_path / 'fails.py'
    script.write_text('import sys\nfor i in range(40):\n    print("line", i)\n'
                      'sys.exit(3)\n')
    console = str(tmp_path / 'logs' / 'console.log')
    with pytest.raises(StageFailed) as info:
        run_tool([str(script)], console, 'training X seed 0')
    message = str(info.value)
    assert message.startswith(f'training X seed 0 failed (exit 3); log: '
                              f'{console}')
    assert 'line 39' in message and 'line 20\n' not in message
    with open(console) as f:
        assert f.read().startswith(f'\n$ {script}\n')
    ok = tmp_path / 'ok.py'
    ok.write_text('print("fine")\n')
    run_tool([str(ok)], console, 'ok')  # appended to the same log
    with open(console) as f:
        assert f.read().endswith(f'\n$ {ok}\nfine\n')


def test_a_plan_runs_students_seed_by_seed_against_their_control(tmp_path):
    configs = write_configs(tmp_path)
    spec = load_demo_spec(write_spec(configs))
    work = str(tmp_path / 'work')
    plan = build_plan(spec, work, students=['a', 'b'], seeds=[0, 1])
    names = [s.name for s in plan.stages]
    rows = ['baseline', 'control', 'PointMCD']
    assert names == ['teacher, seed 0', 'knowledge'] + [
        f'Student {s.upper()} {r}, seed {k}'
        for k in (0, 1) for s in 'ab' for r in rows]
    export = plan.stages[1]
    assert isinstance(export, ExportStage)
    assert export.out == osp.join(work, 'knowledge',
                                  f'knowledge_train_{export.digest[:12]}.npy')
    assert export.args == ['--num-workers', '0']
    by_name = {s.name: s for s in plan.stages}
    pmcd = by_name['Student B PointMCD, seed 1']
    assert pmcd.work_dir == osp.join(work, 'b', 'PointMCD', 'seed1')
    assert pmcd.options['train_dataloader.dataset.pipeline.1.cache'] == \
        export.out
    assert pmcd.minutes == 5 and by_name['Student A PointMCD, seed 0'] \
        .minutes == 4 and plan.stages[0].minutes is None
    assert plan.stages[0].results_dir == osp.join(work, 'results')
    control = by_name['Student A control, seed 0']
    assert control.options['model.distill_loss.loss_weight'] == 0.0
    # The table: the teacher, then each student's rows, paired with the
    # student's own control.
    table = [(r.name, r.reference) for r in plan.table.rows]
    assert table == [('teacher', None)] + [
        (f'Student {s} {r}', f'Student {s} control')
        for s in 'AB' for r in rows]
    assert plan.table.seeds == [0, 1] and plan.lines == ['teacher']
    assert plan.table.reference_label == 'control'
    # Numbers come from the finished runs' records, through the summary.
    for stage in plan.stages:
        if isinstance(stage, RunStage) and stage.seed == 0:
            value = {'teacher': 50.0, 'baseline': 80.0, 'control': 70.0,
                     'PointMCD': 75.0}[stage.row.name.split(' ')[-1]]
            fake_record(stage, value - 1, value)
    summary = plan.summary()
    entry = {e['name']: e for e in summary['rows']}
    assert entry['teacher']['test'] == [50.0]
    assert 'test_diff' not in entry['teacher']
    assert entry['Student B PointMCD']['test_diff'] == [5.0]
    assert entry['Student B PointMCD']['seeds'] == [0]  # seed 1 not run
    assert entry['Student A baseline']['test_diff'] == [10.0]


def test_a_new_teacher_retrains_the_distilled_students_only(tmp_path):
    configs = write_configs(tmp_path)
    work = str(tmp_path / 'work')
    first = build_plan(load_demo_spec(write_spec(configs)), work)
    second = build_plan(load_demo_spec(write_spec(
        configs, teacher="{'model.type': 'T2'}")), work)
    digests = [[s.digest for s in p.stages] for p in (first, second)]
    assert [a == b for a, b in zip(*digests)] == [False, False, True, False,
                                                  False]
    assert first.stages[1].out != second.stages[1].out


def sweep_spec(configs):
    (configs / 'sweep_a.py').write_text(
        "seeds = [0]\n"
        "rows = [dict(name='base', config='./a_synthetic.py', sweep=dict(\n"
        "    key='optim_wrapper.optimizer.lr', values=[0.1, 0.01]))]\n")
    return str(configs / 'sweep_a.py')


def finish_sweep(path, results, vals):
    sweep = load_spec(path)
    _, missing = collect_records(sweep, results)
    for (row, seed, options, digest, record), val, minutes in zip(
            missing, vals, (7.0, 9.0)):
        write_record(record, dict(
            row=row.name, config_digest=digest, seed=seed,
            val={METRIC: val}, test={METRIC: 50.0}, minutes=minutes))


def test_rows_take_the_options_their_sweep_chose(tmp_path):
    configs = write_configs(tmp_path)
    sweep = sweep_spec(configs)
    path = write_spec(configs, baseline=(
        ", chosen_from=dict(spec='../sweep_{student}.py', row='base'), "
        "cfg_options={'train_cfg.max_epochs': 1}"))
    results = str(tmp_path / 'sweeps')
    spec = load_demo_spec(path)
    with pytest.raises(PlanError) as info:
        build_plan(spec, str(tmp_path / 'w'), sweep_results=results)
    message = str(info.value)
    assert 'Student A baseline' in message
    assert f'python tools/compare_seeds.py {osp.relpath(sweep)}' in message \
        or f'python tools/compare_seeds.py {sweep}' in message
    assert '2 run(s) of \'base\'' in message and '--allow-untuned' in message
    # Untuned on request, and said so in its name.
    plan = build_plan(spec, str(tmp_path / 'w'), sweep_results=results,
                      allow_untuned=True)
    base = plan.stages[2]
    assert base.row.name == 'Student A baseline' + NOT_TUNED
    assert base.options == {'train_cfg.max_epochs': 1}
    assert 'not finished' in plan.notes[0]
    # Chosen on validation: lr 0.01 (val 85 > 80), under the row's options;
    # the chosen run's minutes are the estimate.
    finish_sweep(sweep, results, [80.0, 85.0])
    plan = build_plan(spec, str(tmp_path / 'w'), sweep_results=results)
    base = plan.stages[2]
    assert base.row.name == 'Student A baseline'
    assert base.options == {'optim_wrapper.optimizer.lr': 0.01,
                            'train_cfg.max_epochs': 1}
    assert base.minutes == 9.0
    assert "chosen on validation by" in plan.notes[0] and \
        "'base [lr=0.01]'" in plan.notes[0]


@pytest.mark.slow
def test_the_default_spec_reads_the_committed_sweeps(tmp_path):
    spec = load_demo_spec(osp.join(REPO, 'configs', 'demo',
                                   'pointmcd_cls_synthetic.py'))
    plan = build_plan(spec, str(tmp_path / 'demo'),
                      sweep_results=osp.join(REPO, 'results'))
    lrs = {s.row.name: s.options.get('optim_wrapper.optimizer.lr')
           for s in plan.run_stages()}
    assert lrs == {'teacher (own shapes)': None, 'PointNet baseline': 0.01,
                   'PointNet loss-scale control': 0.3,
                   'PointNet PointMCD': 0.3}, (
        'the committed records of configs/comparisons/pointnet_synthetic_lr'
        '.py no longer match the configs: run that sweep again')
    control = plan.stages[3]
    assert control.options['model.distill_loss.loss_weight'] == 0.0
    assert control.row.knowledge == plan.stages[1].out
    assert control.row.reference == 'PointNet loss-scale control'
    assert plan.stages[0].row.config.endswith(
        'teacher_mobilenetv2_synthetic_own.py')
    # A student whose sweep has no records stops the plan, naming it.
    with pytest.raises(PlanError, match=r'compare_seeds.py \S*configs/'
                       r'comparisons/dgcnn_synthetic_lr.py'):
        build_plan(spec, str(tmp_path / 'demo'), students=['dgcnn'],
                   sweep_results=str(tmp_path / 'none'))


@pytest.mark.parametrize('stage, error', [
    ("dict(name='x', kind='train', config='c.py')", 'kind must be one of'),
    ("dict(name='x', kind='run', config='c.py', lr=1)", "unknown keys"),
    ("dict(name='x', kind='run')", "needs \\['config'\\]"),
    ("dict(name='x', kind='run', config='{student}.py')",
     'not each_student'),
    ("dict(name='x', kind='export', source='nothing', split='train')",
     "source 'nothing' names no such stage"),
    ("dict(name='x', kind='run', config='../teacher.py', chart='pie')",
     'chart must be'),
])
def test_bad_demo_specs_are_refused(tmp_path, stage, error):
    configs = write_configs(tmp_path)
    path = write_spec(configs, text=(
        "metric = 'm'\nstudent_names = dict(a='A')\n"
        f"stages = [{stage}]\n"))
    with pytest.raises(PlanError, match=error):
        build_plan(load_demo_spec(path), str(tmp_path / 'w'))


def test_plans_refuse_unknown_students_and_multi_seed_teachers(tmp_path):
    configs = write_configs(tmp_path)
    spec = load_demo_spec(write_spec(configs))
    with pytest.raises(PlanError, match=r"unknown students \['c'\]"):
        build_plan(spec, str(tmp_path / 'w'), students=['c'])
    path = write_spec(configs, text=SPEC.replace("seeds=[0],", "")
                      .replace('{TEACHER}', '{}').replace('{BASELINE}', ''))
    with pytest.raises(PlanError, match='runs 2 seeds'):
        build_plan(load_demo_spec(path), str(tmp_path / 'w'), seeds=[0, 1])
    path = write_spec(configs, text=SPEC.replace(
        "reference = 'control'", "reference = 'nothing'"))
    with pytest.raises(PlanError, match="reference 'nothing' names no"):
        load_demo_spec(path)


class FakeStage:
    def __init__(self, minutes):
        self.minutes = minutes


def test_progress_lines_and_the_time_left():
    assert format_progress(3, 5, 'train + test X', 125.4, 11.2) == \
        '[demo] stage 3/5: train + test X (elapsed 2:05, about 12 min left)'
    assert format_progress(1, 2, 'x', 5, None) == \
        '[demo] stage 1/2: x (elapsed 0:05)'
    stages = [FakeStage(10.0), FakeStage(None), FakeStage(2.0)]
    assert estimate_left(stages, 0.0, 0.0) == pytest.approx(18.0)
    # Stages so far took half their estimate: so will these.
    assert estimate_left(stages, 3.0, 6.0) == pytest.approx(9.0)
    assert estimate_left([FakeStage(None)], 0.0, 0.0) is None
    assert estimate_left([], 1.0, 1.0) == 0.0


def hand_made_summary(seeds=(0, 1, 2)):
    rows = [Row('teacher', 't.py')] + [
        Row(f'{s} {r}', f'{r}.py', reference=f'{s} control')
        for s in ('A', 'B') for r in ('baseline', 'control', 'PointMCD')]
    spec = Spec(name='demo', path='demo.py', rows=rows, seeds=list(seeds),
                reference_label='control')
    base = dict(baseline=90.0, control=92.0, PointMCD=93.0)
    records = {'teacher': {0: dict(val={METRIC: 85.0}, test={METRIC: 88.0},
                                   minutes=10.0, checkpoint='t.pth',
                                   commit='abc', seed=0, config='t.py')}}
    for row in rows[1:]:
        kind = row.name.split(' ')[1]
        records[row.name] = {
            seed: dict(val={METRIC: base[kind] - 1 + seed},
                       test={METRIC: base[kind] + seed * (kind == 'PointMCD')},
                       minutes=2.0, checkpoint=f'{row.name}{seed}.pth',
                       commit='abc', seed=seed, config=row.config)
            for seed in seeds}
    return spec, records, summarize(spec, records)


def test_per_student_references_in_the_summary_and_table():
    _, _, summary = hand_made_summary()
    entry = {e['name']: e for e in summary['rows']}
    assert entry['A PointMCD']['test_diff'] == [1.0, 2.0, 3.0]
    assert entry['B baseline']['test_diff'] == [-2.0, -2.0, -2.0]
    assert 'test_diff' not in entry['teacher']
    assert 'test_diff' not in entry['A control']
    table = format_markdown(summary)
    assert '| test − control per seed |' in table
    assert '| A control | 0 1 2 | 91.0, 92.0, 93.0 | 92.0 ± 1.0 | 92.0, ' \
        '92.0, 92.0 | 92.0 ± 0.0 | (reference) |  |  | 2.0 |' in table
    assert '| teacher | 0 | 85.0 | 85.0 | 88.0 | 88.0 |  |  |  | 10.0 |' \
        in table
    assert '| +1.0, +2.0, +3.0 | +2.0 ± 1.0 |' in table


def test_the_chart_draws_bars_with_errors_and_the_teacher_line(tmp_path):
    from matplotlib import image
    _, _, summary = hand_made_summary()
    path = str(tmp_path / 'out' / 'demo.png')
    plot_summary(summary, path, lines=['teacher'], title='tiny')
    with open(path, 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'
    pixels = image.imread(path)[..., :3]

    def has(rgb):
        return bool((np.abs(pixels - np.array(rgb)).max(-1) < 0.02).any())

    red, blue = (0.839, 0.153, 0.157), (0.122, 0.467, 0.706)
    assert has(red) and has(blue)
    # Without the line the teacher is a bar, and there is no red.
    plot_summary(summary, path)
    pixels = image.imread(path)[..., :3]
    assert has(blue) and not has(red)


def test_the_json_holds_every_number_with_what_produced_it(tmp_path):
    _, records, summary = hand_made_summary(seeds=(0, 1))
    path = str(tmp_path / 'demo.json')
    write_json(path, demo_json(summary, records, [dict(name='teacher')],
                               spec='demo.py', commit='abc', seeds=[0, 1]))
    with open(path) as f:
        data = json.load(f)
    assert data['spec'] == 'demo.py' and data['seeds'] == [0, 1]
    run = data['records']['A PointMCD']['1']
    assert run['test'][METRIC] == 94.0 and run['seed'] == 1
    assert run['checkpoint'] == 'A PointMCD1.pth' and run['commit'] == 'abc'
    assert run['config'] == 'PointMCD.py'
    rows = {e['name']: e for e in data['summary']['rows']}
    assert rows['A PointMCD']['test_diff'] == [1.0, 2.0]
    assert data['stages'] == [dict(name='teacher')]
    assert not any(p.name.endswith(f'.tmp{os.getpid()}')
                   for p in tmp_path.iterdir())


def test_the_report_has_the_table_and_each_students_difference(tmp_path):
    configs = write_configs(tmp_path)
    plan = build_plan(load_demo_spec(write_spec(configs)),
                      str(tmp_path / 'w'), students=['a', 'b'])
    _, _, summary = hand_made_summary()
    report = format_report(plan, summary)
    assert report.startswith('# tiny demo\n')
    assert format_markdown(summary).rstrip() in report
    assert '* A PointMCD: +2.0 ± 1.0 (3 seeds)' in report
    assert '* B baseline: -2.0 ± 0.0 (3 seeds)' in report
    assert 'students a, b' in report


def test_settings_are_spec_files_found_by_name(tmp_path):
    assert {'cls', 'partseg'} <= set(known_settings())
    assert setting_spec('partseg') == osp.join(
        REPO, 'configs', 'demo', 'pointmcd_partseg_synthetic.py')
    with pytest.raises(PlanError, match=r"no demo setting 'nothing'.*known: "
                       r".*cls.*partseg"):
        setting_spec('nothing')
    assert setting_of('configs/demo/pointmcd_cls_synthetic.py') == 'cls'
    assert setting_of('/x/pointmcd_unsup_synthetic.py') == 'unsup'
    assert setting_of('/x/tiny.py') == 'tiny'
    (tmp_path / 'pointmcd_a_synthetic.py').write_text('x = 1\n')
    (tmp_path / 'other.py').write_text('x = 1\n')
    assert known_settings(str(tmp_path)) == ['a']


def two_settings(configs):
    """The tiny spec as two settings, ``first`` and ``second``."""
    folder = configs / 'demo'
    folder.mkdir(exist_ok=True)
    paths = []
    for name in ('first', 'second'):
        path = folder / f'{name}.py'
        path.write_text(SPEC.replace('{TEACHER}', '{}')
                        .replace('{BASELINE}', ''))
        paths.append(str(path))
    return paths


def test_several_settings_plan_together_each_in_its_own_dir(tmp_path):
    configs = write_configs(tmp_path)
    specs = [load_demo_spec(p) for p in two_settings(configs)]
    work = str(tmp_path / 'work')
    first, second = build_plans(specs, work, students=['b'])
    assert [first.setting, second.setting] == ['first', 'second']
    assert first.work_dir == osp.join(work, 'first')
    assert second.stages[2].work_dir == osp.join(work, 'second', 'b',
                                                 'baseline', 'seed0')
    assert second.stages[2].results_dir == osp.join(work, 'second',
                                                    'results')
    assert first.students == second.students == ['b']
    # Every setting is planned before one error names all that failed.
    with pytest.raises(PlanError) as info:
        build_plans(specs, work, students=['c'])
    message = str(info.value)
    assert message.count("unknown students ['c']") == 2
    assert message.startswith('first (') and '\nsecond (' in message
    with pytest.raises(PlanError, match=r"settings repeated: \['first'\]"):
        build_plans([specs[0], specs[0]], work)


METRIC_SPEC = """
title = 'two metrics'
metric = 'seg/instance'
extra_metrics = ['seg/class']
student_names = dict(a='Student A')
reference = 'control'
stages = [
    dict(name='teacher', kind='run', config='../teacher.py', seeds=[0],
         chart='line', metric={'seg/instance': 'pix/miou',
                               'seg/class': 'pix/class_miou'}),
    dict(name='probe', kind='run', config='../teacher.py', seeds=[1],
         metric='probe/acc'),
    dict(name='control', kind='run', each_student=True,
         config='../a_synthetic.py'),
    dict(name='PointMCD', kind='run', each_student=True,
         config='../pointmcd_a_synthetic.py'),
]
"""


def write_metric_record(stage, values):
    write_record(stage.record_file, dict(
        row=stage.row.name, config=stage.row.config, seed=stage.seed,
        cfg_options=stage.options, config_digest=stage.digest,
        val=dict(values), test={k: v + 1 for k, v in values.items()},
        checkpoint='x.pth', minutes=1.0, commit='abc'))


def test_rows_are_read_by_their_own_metric_in_each_table(tmp_path):
    configs = write_configs(tmp_path)
    path = write_spec(configs, text=METRIC_SPEC)
    plan = build_plan(load_demo_spec(path), str(tmp_path / 'w'))
    assert plan.spec.metrics == ['seg/instance', 'seg/class']
    assert plan.reads('teacher', 'seg/class') == 'pix/class_miou'
    assert plan.reads('probe', 'seg/instance') == 'probe/acc'
    assert plan.reads('probe', 'seg/class') is None  # not in that table
    assert plan.reads('Student A PointMCD', 'seg/class') == 'seg/class'
    teacher, probe, control, pmcd = plan.stages
    write_metric_record(teacher, {'pix/miou': 40.0, 'pix/class_miou': 30.0})
    write_metric_record(probe, {'probe/acc': 70.0})
    write_metric_record(control, {'seg/instance': 60.0, 'seg/class': 50.0})
    write_metric_record(pmcd, {'seg/instance': 62.0, 'seg/class': 49.0})
    main, extra = plan.summaries().values()
    rows = {e['name']: e for e in main['rows']}
    assert rows['teacher']['test'] == [41.0]
    assert rows['probe']['val'] == [70.0]
    assert rows['Student A PointMCD']['test_diff'] == [2.0]
    rows = {e['name']: e for e in extra['rows']}
    assert list(rows) == ['teacher', 'Student A control',
                          'Student A PointMCD']
    assert extra['metric'] == 'seg/class' and rows['teacher']['val'] == [30.0]
    assert rows['Student A PointMCD']['test_diff'] == [-1.0]

    paths, report = write_outputs(plan, str(tmp_path / 'out'))
    assert 'Read by their own metric: teacher: `pix/miou`; probe: ' \
        '`probe/acc`.' in report
    assert '`seg/class`, validation after the last epoch and test:' in report
    assert '* Student A PointMCD: +2.0 (1 seed)' in report
    assert 'paired by seed, `seg/class`):\n\n* Student A PointMCD: -1.0 ' \
        '(1 seed)' in report
    assert report.index('| teacher | 0 | 40.0 |') < \
        report.index('| teacher | 0 | 30.0 |')
    with open(paths['json']) as f:
        data = json.load(f)
    assert data['metric'] == 'seg/instance' and data['setting'] == 'spec'
    assert data['extra_tables']['seg/class']['metric'] == 'seg/class'
    assert data['row_metrics']['teacher']['seg/instance'] == 'pix/miou'
    assert data['records']['teacher']['0']['test'] == {'pix/miou': 41.0,
                                                       'pix/class_miou': 31.0}
    # A record without the key the spec names says which key is missing.
    write_metric_record(teacher, {'pix/other': 1.0})
    with pytest.raises(PlanError, match=r"teacher: its val metrics have no "
                       r"'pix/miou' \(they have \['pix/other'\]\)"):
        plan.summary()


@pytest.mark.parametrize('extra, stage_metric, error', [
    ("extra_metrics = ['m']", None, 'repeat a metric'),
    ("extra_metrics = 'n'", None, 'must be a list'),
    ('', "{'n': 'k'}", r"names tables \['n'\]"),
    ('', '3', 'must be a metric key or'),
])
def test_bad_metrics_are_refused(tmp_path, extra, stage_metric, error):
    configs = write_configs(tmp_path)
    metric = '' if stage_metric is None else f', metric={stage_metric}'
    path = write_spec(configs, text=(
        f"metric = 'm'\n{extra}\nstudent_names = dict(a='A')\n"
        f"stages = [dict(name='x', kind='run', config='../teacher.py'"
        f"{metric})]\n"))
    with pytest.raises(PlanError, match=error):
        load_demo_spec(path)


PARTSEG = osp.join(REPO, 'configs', 'demo', 'pointmcd_partseg_synthetic.py')


@pytest.mark.slow
def test_the_partseg_spec_stops_for_its_sweep_or_runs_untuned(tmp_path):
    spec = load_demo_spec(PARTSEG)
    assert spec.setting == 'partseg' and spec.students == ['dgcnn']
    assert spec.metrics == ['partseg/instance_miou', 'partseg/class_miou']
    none = str(tmp_path / 'none')
    with pytest.raises(PlanError) as info:
        build_plan(spec, str(tmp_path / 'demo'), sweep_results=none)
    assert re.search(r'python tools/compare_seeds.py \S*configs/comparisons/'
                     r'dgcnn_shapenetpart_synthetic_lr.py', str(info.value))
    plan = build_plan(spec, str(tmp_path / 'demo'), sweep_results=none,
                      students=['dgcnn', 'pointnet'], allow_untuned=True)
    names = [s.name for s in plan.stages]
    assert names == ['teacher (own shapes), seed 0', 'teacher knowledge'] + [
        f'{s} {r}{NOT_TUNED}, seed 0' for s in ('DGCNN', 'PointNet')
        for r in ('baseline', 'loss-scale control', 'PointMCD')]
    teacher, export = plan.stages[:2]
    assert teacher.row.config.endswith(
        'teacher_mobilenetv2_shapenetpart_synthetic_own.py')
    assert export.source is teacher and export.split == 'train'
    by_name = {s.row.name: s for s in plan.run_stages()}
    control = by_name[f'DGCNN loss-scale control{NOT_TUNED}']
    assert control.row.config.endswith(
        'pointmcd_dgcnn_shapenetpart_synthetic.py')
    assert control.options['model.distill_loss.loss_weight'] == 0.0
    assert control.row.knowledge == export.out
    assert by_name[f'PointNet PointMCD{NOT_TUNED}'].row.reference == \
        f'PointNet loss-scale control{NOT_TUNED}'
    assert by_name[f'DGCNN baseline{NOT_TUNED}'].row.config.endswith(
        'configs/dgcnn_shapenetpart_synthetic.py')
    assert plan.reads('teacher (own shapes)', 'partseg/instance_miou') == \
        'view_partseg/pixel_miou'
    assert plan.reads('teacher (own shapes)', 'partseg/class_miou') == \
        'view_partseg/class_pixel_miou'
    assert plan.lines == ['teacher (own shapes)']
    assert all(s.minutes for s in plan.stages)  # estimated, for progress


UNSUP = osp.join(REPO, 'configs', 'demo', 'pointmcd_unsup_synthetic.py')
# The rates configs/comparisons/foldingnet_shapenetcore_synthetic_lr.py
# chose on validation (its committed records).
BASELINE_LR, POINTMCD_LR = 3e-4, 3e-5


@pytest.mark.slow
def test_the_unsup_spec_runs_foldingnet_against_its_control(tmp_path):
    spec = load_demo_spec(UNSUP)
    assert spec.setting == 'unsup' and spec.students == ['foldingnet']
    assert spec.metrics == ['svm/accuracy']
    # The rows take their rate from the FoldingNet sweep: without its
    # records the plan stops naming it; with the committed ones the
    # baseline runs at its choice, the control and PointMCD at PointMCD's.
    with pytest.raises(PlanError, match=r'compare_seeds.py \S*configs/'
                       r'comparisons/foldingnet_shapenetcore_synthetic_lr'):
        build_plan(spec, str(tmp_path / 'demo'),
                   sweep_results=str(tmp_path / 'none'))
    plan = build_plan(spec, str(tmp_path / 'demo'),
                      sweep_results=osp.join(REPO, 'results'))
    names = [s.name for s in plan.stages]
    assert names == ['teacher (label-free stand-in), seed 0',
                     'teacher knowledge'] + [
        f'FoldingNet {r}, seed 0'
        for r in ('baseline', 'loss-scale control', 'PointMCD')]
    lrs = {s.row.name: s.options.get('optim_wrapper.optimizer.lr')
           for s in plan.run_stages()}
    assert lrs == {'teacher (label-free stand-in)': None,
                   'FoldingNet baseline': BASELINE_LR,
                   'FoldingNet loss-scale control': POINTMCD_LR,
                   'FoldingNet PointMCD': POINTMCD_LR}, (
        'the committed records of configs/comparisons/foldingnet_shapenet'
        'core_synthetic_lr.py no longer match the configs: run that sweep '
        'again')
    teacher, export = plan.stages[:2]
    assert teacher.row.config.endswith(
        'teacher_mobilenetv2_shapenetcore_synthetic.py')
    assert export.source is teacher and export.split == 'train'
    by_name = {s.row.name: s for s in plan.run_stages()}
    control = by_name['FoldingNet loss-scale control']
    assert control.row.config.endswith(
        'pointmcd_foldingnet_shapenetcore_synthetic.py')
    assert control.options['model.distill_loss.loss_weight'] == 0.0
    assert control.row.knowledge == export.out
    assert by_name['FoldingNet PointMCD'].row.knowledge == export.out
    assert by_name['FoldingNet PointMCD'].row.reference == \
        'FoldingNet loss-scale control'
    # The teacher's number (its views' L1) is no SVM accuracy: no row.
    assert [r.name for r in plan.table.rows] == [
        f'FoldingNet {r}'
        for r in ('baseline', 'loss-scale control', 'PointMCD')]
    assert plan.lines == []
    assert all(s.minutes for s in plan.stages)
