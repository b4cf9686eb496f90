"""Stages: the steps of a reproducible plan (tools/demo.py), and the one
run of the fair-comparison protocol (train, test, record) that
tools/compare_seeds.py and tools/demo.py share.

A *stage* is a config plus how its number is read. Each one has

* ``name``: what the progress line says;
* ``argv()``: the ``tools/*.py`` command lines it runs, each with this
  Python, the tools' console output appended to ``<work_dir>/console.log``
  (mmengine's own logs go to the work dir, as ever);
* ``outputs()``: the files that prove it finished; ``finished()`` is true
  when they exist *and* were made by what the stage runs now (the digest
  of its resolved config), so a changed config runs again;
* ``metrics()``: how its numbers are read (``{'val': {...}, 'test':
  {...}}``), or ``None`` for a stage that only makes a file.

Two kinds exist (plain classes, no registry: a new kind is a subclass):

* :class:`RunStage` (one seed of one row): ``tools/train.py`` (with
  ``--resume`` when the work dir holds an interrupted training of the same
  digest), ``tools/test.py`` on the final checkpoint, and the comparison
  record ``<results>/<config>/<digest>.json`` (see
  :mod:`pointmcd_plugin.utils.comparison`), which is its output and its
  numbers;
* :class:`ExportStage`: ``tools/export_teacher_knowledge.py`` from the
  work dir of a trained teacher; its outputs are the knowledge ``.npy``,
  its manifest and the stage record ``<work_dir>/stage.json`` holding the
  digest (of the teacher's run and the export's options).

A stage killed half-way loses only itself: records are written atomically
and last, a killed training resumes from its last checkpoint, a killed
export never leaves a manifest.
"""
import hashlib
import json
import os
import os.path as osp
import subprocess
import sys
import time
from typing import Callable, Dict, List, Optional

from .comparison import (Row, Spec, config_digest, make_record, read_record,
                         record_path, run_options, write_record)

# The source checkout this package lives in (an editable install): its
# tools/ are the commands stages run.
REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOLS_DIR = osp.join(REPO_ROOT, 'tools')
STAGE_RECORD = 'stage.json'


class StageFailed(RuntimeError):
    """A stage's tool exited with an error (the message names the step, its
    console log and its last lines) or did not leave its outputs."""


def tool_path(name: str, tools_dir: str = TOOLS_DIR) -> str:
    """The path of ``tools/<name>``; an error when this package is not
    installed from a source checkout (``pip install -e .``)."""
    path = osp.join(tools_dir, name)
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'{path} not found: stages run the tools of the source checkout '
            'this package is installed from (pip install -e . in it)')
    return path


def commit(root: str = REPO_ROOT) -> str:
    """The checkout's commit, ``+dirty`` when tracked files changed, or
    ``'unknown'`` outside git (read-only: git takes no optional locks)."""
    env = dict(os.environ, GIT_OPTIONAL_LOCKS='0')
    try:
        sha = subprocess.run(['git', 'rev-parse', 'HEAD'], cwd=root,
                             capture_output=True, text=True, env=env,
                             check=True).stdout.strip()
        dirty = subprocess.run(['git', 'status', '--porcelain',
                                '--untracked-files=no'], cwd=root,
                               capture_output=True, text=True,
                               env=env).stdout.strip()
        return sha + ('+dirty' if dirty else '')
    except (OSError, subprocess.CalledProcessError):
        return 'unknown'


def cli_options(options: Dict) -> List[str]:
    """``--cfg-options k=v ...`` (nothing when there are no options)."""
    if not options:
        return []
    return ['--cfg-options'] + [f'{k}={v}' for k, v in options.items()]


def final_checkpoint(work_dir: str) -> str:
    """The checkpoint mmengine's ``last_checkpoint`` file names."""
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        return f.read().strip()


def run_tool(argv: List[str], console: str, what: str) -> None:
    """Run a tools/ script (``argv[0]``) with this Python, its output
    appended to ``console``; raise :class:`StageFailed` naming ``what``,
    the log and its last 15 lines when it fails. Interrupted (Ctrl-C, or a
    SIGTERM the caller turns into an exception), the tool is terminated
    too, so no training outlives the command that started it."""
    os.makedirs(osp.dirname(osp.abspath(console)), exist_ok=True)
    with open(console, 'a') as f:
        f.write(f'\n$ {" ".join(argv)}\n')
        f.flush()
        proc = subprocess.Popen([sys.executable] + argv, stdout=f,
                                stderr=subprocess.STDOUT)
        try:
            code = proc.wait()
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
    if code != 0:
        with open(console) as f:
            tail = ''.join(f.readlines()[-15:])
        raise StageFailed(f'{what} failed (exit {code}); log: '
                          f'{console}\n{tail}')


def produce_required(spec: Spec, target: str, console: str,
                     say: Callable[[str], None] = print) -> None:
    """Produce ``target`` (a teacher's knowledge) if missing: run the
    spec's ``requires`` entries in order, up to the one writing it, each
    only when its file is missing (a command's first ``tools/*.py`` item
    runs from this checkout)."""
    if osp.isfile(target):
        return
    files = [req['file'] for req in spec.requires]
    if target not in files:
        raise StageFailed(f'{target} does not exist and no `requires` entry '
                          f'of {spec.path} produces it')
    for req in spec.requires[:files.index(target) + 1]:
        if osp.isfile(req['file']):
            continue
        argv = list(req['command'])
        if argv and argv[0].startswith('tools/'):
            argv[0] = osp.join(REPO_ROOT, argv[0])
        say(f'producing {req["file"]}: {" ".join(argv)} (log: {console})')
        run_tool(argv, console, f'producing {req["file"]}')
        if not osp.isfile(req['file']):
            raise StageFailed(f'{" ".join(argv)} did not write {req["file"]}')


def read_stage_record(work_dir: str) -> Optional[Dict]:
    """The stage record ``<work_dir>/stage.json``, or ``None``."""
    return read_record(osp.join(work_dir, STAGE_RECORD))


def write_stage_record(work_dir: str, **fields) -> None:
    """Write ``<work_dir>/stage.json`` atomically."""
    write_record(osp.join(work_dir, STAGE_RECORD), fields)


def claim_work_dir(work_dir: str, digest: str, **about) -> Dict:
    """Prepare a training work dir for the run ``digest`` and return its
    stage record (``trained``: whether that training already finished).
    A work dir whose record names another digest held another config:
    its ``last_checkpoint`` is removed so that the run starts afresh
    rather than resume a checkpoint of something else. A work dir without
    a record (made before records existed) is resumed as it is."""
    record = read_stage_record(work_dir)
    if record is not None and record.get('digest') == digest:
        return record
    if record is not None:
        last = osp.join(work_dir, 'last_checkpoint')
        if osp.isfile(last):
            os.remove(last)
    record = dict(about, digest=digest, trained=False)
    write_stage_record(work_dir, **record)
    return record


def train_test_record(row: Row, seed: int, options: Dict, digest: str,
                      record_file: str, work_dir: str) -> Dict:
    """One run of the fair-comparison protocol, and return its record:
    train ``row.config`` with ``tools/train.py --work-dir work_dir
    --cfg-options randomness.seed=<seed> <options>`` (``--resume`` when
    the work dir has a ``last_checkpoint`` of this run; skipped when this
    run's training finished before), test its final checkpoint with
    ``tools/test.py`` in ``work_dir/test``, and write the record
    (:func:`~pointmcd_plugin.utils.comparison.make_record`; ``resumed``
    when any attempt at this training resumed an interrupted one) to
    ``record_file``. The tools' output goes to ``work_dir/console.log``;
    a failing tool raises :class:`StageFailed`."""
    console = osp.join(work_dir, 'console.log')
    t0 = time.time()
    state = claim_work_dir(work_dir, digest, row=row.name,
                           config=row.config, cfg_options=options, seed=seed)
    if not state['trained']:
        train = [tool_path('train.py'), row.config, '--work-dir', work_dir,
                 *cli_options(dict({'randomness.seed': seed}, **options))]
        if osp.isfile(osp.join(work_dir, 'last_checkpoint')):
            # mmengine keeps no RNG state in its checkpoints, so a resumed
            # training is not the uninterrupted run: the record says so.
            train.append('--resume')
            state = dict(state, resumed=True)
            write_stage_record(work_dir, **state)
        run_tool(train, console, f'training {row.name} seed {seed}')
        write_stage_record(work_dir, **dict(state, trained=True))
    checkpoint = final_checkpoint(work_dir)
    test_dir = osp.join(work_dir, 'test')
    run_tool([tool_path('test.py'), row.config, checkpoint, '--work-dir',
              test_dir, *cli_options(options)],
             console, f'testing {row.name} seed {seed}')
    record = make_record(row, seed, options, digest, work_dir, test_dir,
                         checkpoint, (time.time() - t0) / 60, commit(),
                         resumed=bool(state.get('resumed')))
    write_record(record_file, record)
    return record


class Stage:
    """One step of a plan (see the module's docstring).

    Args:
        name (str): What the progress line says.
        work_dir (str): Where its tools write (``console.log`` included).
        minutes (float, optional): The expected duration, for the progress
            line's estimate of the time left.
    """

    kind = 'stage'

    def __init__(self, name: str, work_dir: str,
                 minutes: Optional[float] = None) -> None:
        self.name = name
        self.work_dir = work_dir
        self.minutes = minutes

    @property
    def digest(self) -> str:
        """SHA-256 of what the stage runs."""
        raise NotImplementedError

    @property
    def console(self) -> str:
        return osp.join(self.work_dir, 'console.log')

    def argv(self) -> List[List[str]]:
        """The tool command lines the stage runs (``argv[0]`` a tools/
        script, run with this Python)."""
        raise NotImplementedError

    def outputs(self) -> List[str]:
        """The files that prove the stage finished."""
        raise NotImplementedError

    def finished(self) -> bool:
        """Its outputs exist and were made by what it runs now."""
        raise NotImplementedError

    def run(self) -> None:
        """Run it (raises :class:`StageFailed`)."""
        raise NotImplementedError

    def metrics(self) -> Optional[Dict]:
        """Its numbers, ``{'val': {...}, 'test': {...}}``, once finished;
        ``None`` for a stage that makes files only."""
        return None

    def describe(self) -> Dict:
        """What the stage is, for the plan's JSON."""
        return dict(name=self.name, kind=self.kind, digest=self.digest,
                    work_dir=self.work_dir, argv=self.argv(),
                    outputs=self.outputs(), finished=self.finished())


class RunStage(Stage):
    """One seed of one row: train, test, record (the comparison protocol's
    run, :func:`train_test_record`).

    Args:
        row (Row): Its config and options (``knowledge`` included).
        seed (int): ``randomness.seed``.
        results_dir (str): Where its record goes
            (``<results_dir>/<config>/<digest>.json``).
        work_dir (str): Its training work dir (the test's is ``test/`` in
            it).
        minutes (float, optional): The expected duration.
    """

    kind = 'run'

    def __init__(self, row: Row, seed: int, results_dir: str, work_dir: str,
                 minutes: Optional[float] = None) -> None:
        super().__init__(f'{row.name}, seed {seed}', work_dir, minutes)
        self.row = row
        self.seed = seed
        self.results_dir = results_dir
        self.options = run_options(row)
        self._digest = config_digest(row.config, self.options, seed)

    @property
    def digest(self) -> str:
        return self._digest

    @property
    def record_file(self) -> str:
        return record_path(self.results_dir, self.row.config, self.digest)

    def argv(self) -> List[List[str]]:
        opts = cli_options(dict({'randomness.seed': self.seed},
                                **self.options))
        return [[tool_path('train.py'), self.row.config, '--work-dir',
                 self.work_dir, *opts],
                [tool_path('test.py'), self.row.config,
                 '<final checkpoint>', '--work-dir',
                 osp.join(self.work_dir, 'test'),
                 *cli_options(self.options)]]

    def outputs(self) -> List[str]:
        return [self.record_file]

    def finished(self) -> bool:
        record = read_record(self.record_file)
        return record is not None and \
            record.get('config_digest') == self.digest

    def run(self) -> None:
        train_test_record(self.row, self.seed, self.options, self.digest,
                          self.record_file, self.work_dir)

    def record(self) -> Optional[Dict]:
        """Its comparison record, once finished."""
        return read_record(self.record_file) if self.finished() else None

    def metrics(self) -> Optional[Dict]:
        record = self.record()
        return None if record is None else dict(val=record['val'],
                                                test=record['test'])


class ExportStage(Stage):
    """The knowledge of a trained teacher (``tools/export_teacher_knowledge
    .py``), read from the work dir of its run.

    Args:
        name (str): What the progress line says.
        source (RunStage): The teacher's run (its work dir holds the
            checkpoint ``last_checkpoint`` names).
        split (str): The split whose knowledge is exported.
        out (str): The ``.npy`` to write (the manifest goes beside it).
        work_dir (str): Its console log and stage record.
        cfg_options (dict): ``--cfg-options`` of the export (default:
            the teacher run's options).
        args (list[str]): More arguments of the tool (``--num-workers 0``).
        minutes (float, optional): The expected duration.
    """

    kind = 'export'

    def __init__(self, name: str, source: RunStage, split: str, out: str,
                 work_dir: str, cfg_options: Optional[Dict] = None,
                 args: Optional[List[str]] = None,
                 minutes: Optional[float] = None) -> None:
        super().__init__(name, work_dir, minutes)
        self.source = source
        self.split = split
        self.out = out
        self.cfg_options = dict(source.options if cfg_options is None
                                else cfg_options)
        self.args = list(args or [])

    @staticmethod
    def digest_of(source_digest: str, split: str, cfg_options: Dict,
                  args: List[str]) -> str:
        """SHA-256 of an export: the teacher's run, the split, the tool's
        options and arguments."""
        text = json.dumps(dict(source=source_digest, split=split,
                               cfg_options=cfg_options, args=args),
                          sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def digest(self) -> str:
        return self.digest_of(self.source.digest, self.split,
                              self.cfg_options, self.args)

    def argv(self) -> List[List[str]]:
        return [[tool_path('export_teacher_knowledge.py'),
                 self.source.row.config, self.source.work_dir, '--split',
                 self.split, '--out', self.out, *self.args,
                 *cli_options(self.cfg_options)]]

    def outputs(self) -> List[str]:
        from ..datasets.knowledge import manifest_path
        return [self.out, manifest_path(self.out),
                osp.join(self.work_dir, STAGE_RECORD)]

    def finished(self) -> bool:
        record = read_stage_record(self.work_dir)
        return all(osp.isfile(p) for p in self.outputs()) and \
            record.get('digest') == self.digest and \
            record.get('out') == self.out

    def run(self) -> None:
        from ..datasets.knowledge import manifest_path
        run_tool(self.argv()[0], self.console, f'exporting {self.name}')
        for path in (self.out, manifest_path(self.out)):
            if not osp.isfile(path):
                raise StageFailed(f'exporting {self.name} did not write '
                                  f'{path}; log: {self.console}')
        write_stage_record(self.work_dir, name=self.name, digest=self.digest,
                           out=self.out, source=self.source.record_file,
                           split=self.split, cfg_options=self.cfg_options,
                           args=self.args)
