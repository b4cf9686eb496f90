"""tools/demo.py end to end at a tiny size (slow: run with --runslow): two
settings (classification and part segmentation) under one progress
count; in each the teacher is trained, tested and exported, the students'
rows take the learning rate their sweep chose, the table is printed and
written as Markdown, PNG and JSON in the setting's work dir; a second run
trains nothing; a run killed during a student's training resumes it on
the next run and finishes. Fast: the runner's progress count and the
command's settings, on fake stages."""
import glob
import importlib.util
import json
import os
import os.path as osp
import re
import signal
import subprocess
import sys
import time

import pytest

from pointmcd_plugin.utils.comparison import (collect_records, load_spec,
                                              write_record)

from ..conftest import REPO_ROOT
from ..tiny_cfg import TINY_POINTS, loader_options, partseg_tiny_options
from .test_partseg_teacher_e2e import \
    teacher_options as partseg_teacher_options
from .test_pointmcd_e2e import teacher_options
from .test_pointmcd_partseg_e2e import KNOWLEDGE_STEP

METRIC = 'cls/overall_acc'
LR = 'optim_wrapper.optimizer.lr'


def load_demo_tool():
    """tools/demo.py as a module (it is a script, not a package)."""
    spec = importlib.util.spec_from_file_location(
        'demo_tool', osp.join(REPO_ROOT, 'tools', 'demo.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class FakeStage:
    """A stage that records its run and is finished once run."""

    def __init__(self, name, done=False, log=None):
        self.name, self.done, self.log = name, done, log
        self.minutes, self.console = 1.0, f'{name}/console.log'

    def finished(self):
        return self.done

    def outputs(self):
        return [f'{self.name}.json']

    def run(self):
        self.log.append(('run', self.name))
        self.done = True


class FakePlan:
    def __init__(self, setting, stages):
        self.setting, self.stages = setting, stages


def test_settings_run_under_one_count_and_report_one_by_one(capsys):
    demo = load_demo_tool()
    log = []
    plans = [FakePlan('cls', [FakeStage('t', True, log),
                              FakeStage('s', False, log)]),
             FakePlan('partseg', [FakeStage('u', False, log)])]
    demo.run_plans(plans, lambda plan: log.append(('report', plan.setting)))
    assert log == [('run', 's'), ('report', 'cls'), ('run', 'u'),
                   ('report', 'partseg')]
    out = capsys.readouterr().out
    assert '[demo] stage 1/3: cls: t: finished before (t.json), skipped' \
        in out
    assert re.search(r'\[demo\] stage 2/3: cls: s, log in s/console.log '
                     r'\(elapsed 0:00, about 2 min left\)', out), out
    assert '[demo] stage 3/3: partseg: u, log in u/console.log' in out


def test_settings_or_specs_name_the_spec_files():
    demo = load_demo_tool()
    default = demo.spec_files(demo.parse_args([]))
    assert default == [osp.join(REPO_ROOT, 'configs', 'demo',
                                'pointmcd_cls_synthetic.py')]
    both = demo.spec_files(demo.parse_args(['--settings', 'cls', 'partseg']))
    assert [osp.basename(p) for p in both] == [
        'pointmcd_cls_synthetic.py', 'pointmcd_partseg_synthetic.py']
    assert demo.spec_files(demo.parse_args(['--spec', 'a.py', 'b.py'])) == \
        ['a.py', 'b.py']
    with pytest.raises(SystemExit):  # one or the other
        demo.parse_args(['--settings', 'cls', '--spec', 'a.py'])


def epochs(n: int) -> dict:
    return {'train_cfg.max_epochs': n, 'param_scheduler.0.T_max': n,
            'param_scheduler.0.end': n, 'default_hooks.logger.interval': 1}


def write_sweep(tmp_path, root) -> str:
    """A tiny sweep spec of PointNet's learning rate, and records for it
    (made by hand: the demo only reads what the sweep chose)."""
    path = tmp_path / 'sweep.py'
    configs = osp.join(REPO_ROOT, 'configs')
    path.write_text(
        'seeds = [0]\n'
        f'rows = [dict(name="baseline", config={osp.join(configs, "pointnet_synthetic.py")!r},\n'  # noqa: E501
        f'             sweep=dict(key={LR!r}, values=[0.1, 0.01])),\n'
        f'        dict(name="PointMCD", config={osp.join(configs, "pointmcd_pointnet_synthetic.py")!r},\n'  # noqa: E501
        f'             sweep=dict(key={LR!r}, values=[0.3, 0.03]))]\n')
    results = str(tmp_path / 'sweeps')
    _, missing = collect_records(load_spec(str(path)), results)
    # Validation prefers 0.01 for the baseline, 0.03 for PointMCD.
    for (row, seed, options, digest, record), val in zip(
            missing, [60.0, 70.0, 60.0, 70.0]):
        write_record(record, dict(row=row.name, seed=seed, minutes=0.2,
                                  config_digest=digest, val={METRIC: val},
                                  test={METRIC: 50.0}))
    return str(path)


def write_demo_spec(tmp_path, root, sweep, pointmcd_epochs=1) -> str:
    """The default demo's stages at a tiny size: 1 epoch, 64 points, 32 px
    views, the tiny generated set."""
    student = dict(loader_options(root, TINY_POINTS), **epochs(1))
    distilled = dict(student, **{
        'train_dataloader.dataset.pipeline.3.expect.data_root': root})
    teacher = dict(teacher_options(root), **epochs(1),
                   **{'model.backbone.widen_factor': 0.25})
    configs = osp.join(REPO_ROOT, 'configs')
    # The same setting name (tiny_cls) for every length of PointMCD.
    path = tmp_path / f'epochs{pointmcd_epochs}' / 'tiny_cls.py'
    path.parent.mkdir(exist_ok=True)
    path.write_text(f'''
title = 'tiny demo'
metric = {METRIC!r}
seeds = [0]
students = ['pointnet']
student_names = dict(pointnet='PointNet')
reference = 'loss-scale control'
stages = [
    dict(name='teacher', kind='run', seeds=[0], chart='line',
         config={osp.join(configs, 'teacher_mobilenetv2_synthetic_own.py')!r},
         cfg_options={teacher!r}, minutes=0.5),
    dict(name='teacher knowledge', kind='export', source='teacher',
         split='train', args=['--num-workers', '0'], minutes=0.2),
    dict(name='baseline', kind='run', each_student=True,
         config={osp.join(configs, '{student}_synthetic.py')!r},
         chosen_from=dict(spec={sweep!r}, row='baseline'),
         cfg_options={student!r}),
    dict(name='loss-scale control', kind='run', each_student=True,
         config={osp.join(configs, 'pointmcd_{student}_synthetic.py')!r},
         knowledge='teacher knowledge',
         chosen_from=dict(spec={sweep!r}, row='PointMCD'),
         cfg_options=dict({distilled!r},
                          **{{'model.distill_loss.loss_weight': 0.0}})),
    dict(name='PointMCD', kind='run', each_student=True,
         config={osp.join(configs, 'pointmcd_{student}_synthetic.py')!r},
         knowledge='teacher knowledge',
         chosen_from=dict(spec={sweep!r}, row='PointMCD'),
         cfg_options=dict({distilled!r}, **{epochs(pointmcd_epochs)!r})),
]
''')
    return str(path)


PARTSEG_METRIC = 'partseg/instance_miou'
PIXEL_MIOU = 'view_partseg/pixel_miou'


def write_partseg_spec(tmp_path, root) -> str:
    """configs/demo/pointmcd_partseg_synthetic.py's stages at a tiny size
    (DGCNN, 1 epoch, 128 points, 32 px views, the tiny generated set), at
    the configs' own learning rates."""
    student = partseg_tiny_options('dgcnn', root)
    distilled = {(k.replace('model.', 'model.student.', 1)
                  if k.startswith('model.') else k): v
                 for k, v in student.items()}
    distilled.update({
        'model.vafp.in_channels': 64,
        f'train_dataloader.dataset.pipeline.{KNOWLEDGE_STEP}.expect.'
        'data_root': root})
    configs = osp.join(REPO_ROOT, 'configs')
    path = tmp_path / 'tiny_partseg.py'
    path.write_text(f'''
title = 'tiny part-segmentation demo'
metric = {PARTSEG_METRIC!r}
extra_metrics = ['partseg/class_miou']
students = ['dgcnn']
student_names = dict(dgcnn='DGCNN')
reference = 'loss-scale control'
stages = [
    dict(name='teacher', kind='run', seeds=[0], chart='line',
         config={osp.join(configs, 'teacher_mobilenetv2_shapenetpart_synthetic_own.py')!r},
         metric={{{PARTSEG_METRIC!r}: {PIXEL_MIOU!r},
                 'partseg/class_miou': 'view_partseg/class_pixel_miou'}},
         cfg_options={partseg_teacher_options(root)!r}),
    dict(name='teacher knowledge', kind='export', source='teacher',
         split='train', args=['--num-workers', '0']),
    dict(name='baseline', kind='run', each_student=True,
         config={osp.join(configs, '{student}_shapenetpart_synthetic.py')!r},
         cfg_options={student!r}),
    dict(name='loss-scale control', kind='run', each_student=True,
         config={osp.join(configs, 'pointmcd_{student}_shapenetpart_synthetic.py')!r},
         knowledge='teacher knowledge',
         cfg_options=dict({distilled!r},
                          **{{'model.distill_loss.loss_weight': 0.0}})),
    dict(name='PointMCD', kind='run', each_student=True,
         config={osp.join(configs, 'pointmcd_{student}_shapenetpart_synthetic.py')!r},
         knowledge='teacher knowledge', cfg_options={distilled!r}),
]
''')  # noqa: E501
    return str(path)


def demo_cmd(specs, tmp_path):
    specs = [specs] if isinstance(specs, str) else specs
    return [sys.executable, osp.join(REPO_ROOT, 'tools', 'demo.py'),
            '--spec', *specs, '--work-dir', str(tmp_path / 'demo'),
            '--sweep-results', str(tmp_path / 'sweeps')]


def run_demo(spec, tmp_path):
    proc = subprocess.run(demo_cmd(spec, tmp_path), cwd=str(tmp_path),
                          capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return proc.stdout


def consoles(work):
    out = {}
    for path in sorted(glob.glob(osp.join(work, '**', 'console.log'),
                                 recursive=True)):
        with open(path) as f:
            out[path] = f.read()
    return out


@pytest.mark.slow
def test_a_failing_stage_stops_the_demo_naming_it_and_its_log(tmp_path):
    (tmp_path / 'broken.py').write_text("model = dict(type='NoSuchModel')\n")
    spec = tmp_path / 'spec.py'
    spec.write_text(
        "metric = 'm'\nstudent_names = dict(a='A')\n"
        "stages = [dict(name='broken', kind='run', config='broken.py', "
        "seeds=[0]),\n"
        "          dict(name='never', kind='run', config='broken.py', "
        "seeds=[1])]\n")
    proc = subprocess.run(demo_cmd(str(spec), tmp_path), cwd=str(tmp_path),
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode != 0
    log = osp.join(str(tmp_path), 'demo', 'spec', 'broken', 'seed0',
                   'console.log')
    assert f'[demo] stage 1/2 (spec: broken, seed 0) failed: training ' \
        f'broken seed 0 failed (exit 1); log: {log}\n' in proc.stderr, \
        proc.stderr
    with open(log) as f:
        last = [line for line in f.read().splitlines() if line][-1]
    assert last in proc.stderr  # the error lines themselves
    assert 'stage 2/2' not in proc.stdout + proc.stderr
    assert not (tmp_path / 'demo' / 'spec' / 'never').exists()


def check_partseg_report(out: str, work: str) -> None:
    """The part-segmentation setting's report: instance mIoU, the class
    mIoU table below it, the teacher read by its pixel mIoU."""
    with open(osp.join(work, 'demo.json')) as f:
        data = json.load(f)
    names = ['teacher', 'DGCNN baseline', 'DGCNN loss-scale control',
             'DGCNN PointMCD']
    rows = {e['name']: e for e in data['summary']['rows']}
    assert list(rows) == names and data['metric'] == PARTSEG_METRIC
    teacher = data['records']['teacher']['0']
    assert rows['teacher']['test'] == [teacher['test'][PIXEL_MIOU]]
    for name in names[1:]:
        record = data['records'][name]['0']
        assert rows[name]['test'] == [record['test'][PARTSEG_METRIC]]
        assert 0 <= record['test']['partseg/class_miou'] <= 100
    assert rows['DGCNN PointMCD']['test_diff'] == [
        rows['DGCNN PointMCD']['test'][0] -
        rows['DGCNN loss-scale control']['test'][0]]
    classes = data['extra_tables']['partseg/class_miou']
    assert [e['name'] for e in classes['rows']] == names
    with open(osp.join(work, 'demo.md')) as f:
        report = f.read()
    assert report.startswith('# tiny part-segmentation demo')
    assert f'Read by their own metric: teacher: `{PIXEL_MIOU}`.' in report
    assert '`partseg/class_miou`, validation after the last epoch' in report
    assert report.rstrip() in out
    with open(osp.join(work, 'demo.png'), 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'


@pytest.mark.slow
def test_demo_runs_skips_and_resumes(tiny_synthetic_root, tmp_path):
    root = tiny_synthetic_root
    sweep = write_sweep(tmp_path, root)
    spec = write_demo_spec(tmp_path, root, sweep)
    partseg = write_partseg_spec(tmp_path, root)
    work = str(tmp_path / 'demo' / 'tiny_cls')

    # Both settings, one progress count, one report each.
    out = run_demo([spec, partseg], tmp_path)
    rows = ['baseline, seed 0', 'loss-scale control', 'PointMCD']
    steps = [('tiny_cls', what) for what in (
        ['train + test teacher, seed 0', 'export teacher knowledge'] +
        [f'train + test PointNet {r}' for r in rows])] + \
        [('tiny_partseg', what) for what in (
            ['train + test teacher, seed 0', 'export teacher knowledge'] +
            [f'train + test DGCNN {r}' for r in rows])]
    for k, (setting, what) in enumerate(steps, 1):
        assert re.search(rf'\[demo\] stage {k}/10: {setting}: '
                         rf'{re.escape(what)}.*\(elapsed \d+:\d\d(, about '
                         r'\d+ min left)?\)', out), out
    assert 'Traceback' not in out and 'Epoch(train)' not in out  # logs
    # The classification report comes as its setting finishes.
    table = out[out.index('| row |'):out.index('[demo] tiny_cls: wrote')]
    assert out.index('[demo] tiny_cls: wrote') < out.index('stage 6/10')
    check_partseg_report(out, str(tmp_path / 'demo' / 'tiny_partseg'))
    names = ['teacher', 'PointNet baseline', 'PointNet loss-scale control',
             'PointNet PointMCD']
    for name in names:
        assert f'| {name} | 0 |' in table
    assert '(reference)' in table
    assert re.search(r'\* PointNet PointMCD: [+-]\d+\.\d \(1 seed\)', out)
    with open(osp.join(work, 'demo.md')) as f:
        assert f.read().startswith('# tiny demo')
    with open(osp.join(work, 'demo.png'), 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'
    with open(osp.join(work, 'demo.json')) as f:
        data = json.load(f)
    rows = {e['name']: e for e in data['summary']['rows']}
    assert list(rows) == names
    for name in names:
        record = data['records'][name]['0']
        assert 0 <= record['test'][METRIC] <= 100
        assert 0 <= record['val'][METRIC] <= 100
        assert osp.isfile(record['checkpoint']) and record['commit']
        assert record['seed'] == 0 and record['config'].endswith('.py')
    assert rows['PointNet PointMCD']['test_diff'] == [
        rows['PointNet PointMCD']['test'][0] -
        rows['PointNet loss-scale control']['test'][0]]
    # The learning rates the sweep chose on validation.
    options = {n: data['records'][n]['0']['cfg_options'] for n in names}
    assert options['PointNet baseline'][LR] == 0.01
    assert options['PointNet PointMCD'][LR] == 0.03
    assert options['PointNet loss-scale control'][LR] == 0.03
    knowledge = [v for k, v in options['PointNet PointMCD'].items()
                 if k.endswith('.cache')]
    assert len(knowledge) == 1 and osp.isfile(knowledge[0])
    assert osp.isfile(knowledge[0][:-4] + '.json')  # the manifest

    # Again: every stage is skipped, nothing runs, the same table.
    before = consoles(str(tmp_path / 'demo'))
    again = run_demo([spec, partseg], tmp_path)
    assert again.count('finished before') == 10, again
    assert consoles(str(tmp_path / 'demo')) == before
    assert again[again.index('| row |'):
                 again.index('[demo] tiny_cls: wrote')] == table

    # PointMCD for 4 epochs (a new digest: trained afresh), killed during
    # its training once a checkpoint exists; the next run resumes it.
    longer = write_demo_spec(tmp_path, root, sweep, pointmcd_epochs=4)
    stage_dir = osp.join(work, 'pointnet', 'PointMCD', 'seed0')
    last = osp.join(stage_dir, 'last_checkpoint')
    start = time.time()
    proc = subprocess.Popen(demo_cmd(longer, tmp_path), cwd=str(tmp_path),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    try:
        while not (osp.isfile(last) and osp.getmtime(last) > start):
            assert proc.poll() is None, proc.stdout.read()[-4000:]
            assert time.time() - start < 900, 'no checkpoint in 15 min'
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        killed = proc.communicate(timeout=120)[0]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode != 0
    assert 'interrupted during stage 5/5 (tiny_cls: PointNet PointMCD, ' \
        'seed 0)' in killed, killed
    with pytest.raises(ProcessLookupError):  # the training died with it
        os.killpg(proc.pid, 0)
    with open(osp.join(stage_dir, 'console.log')) as f:
        assert '--resume' not in f.read()  # a new digest: not resumed
    distilled = osp.join(work, 'results', 'pointmcd_pointnet_synthetic',
                         '*.json')
    assert len(glob.glob(distilled)) == 2  # the control, the 1-epoch run

    resumed = run_demo(longer, tmp_path)
    assert resumed.count('finished before') == 4, resumed
    with open(osp.join(stage_dir, 'console.log')) as f:
        commands = [line for line in f if line.startswith('$ ')]
    assert 'train.py' in commands[-2] and commands[-2].rstrip().endswith(
        '--resume'), commands
    logs = sorted(glob.glob(osp.join(stage_dir, '*', '*.log')))
    with open(logs[-1]) as f:
        assert re.search(r'resumed epoch: [123]', f.read())
    with open(osp.join(work, 'demo.json')) as f:
        data = json.load(f)
    record = data['records']['PointNet PointMCD']['0']
    assert record['val']['step'] == 4  # the resumed run's last epoch
    assert record['resumed'] is True  # and its record says it resumed
    assert data['records']['PointNet baseline']['0']['resumed'] is False
    assert record['cfg_options']['train_cfg.max_epochs'] == 4
    assert 0 <= record['test'][METRIC] <= 100
    assert len(glob.glob(distilled)) == 3
