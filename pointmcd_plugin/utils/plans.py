"""Demo plans: which stages a setting runs, read from a *demo spec*, and
the table, chart and JSON of their numbers (tools/demo.py).

A *setting* (classification, part segmentation, ...) is one demo spec,
``configs/demo/pointmcd_<setting>_synthetic.py`` (``tools/demo.py
--settings cls partseg`` runs those two, in order, as one demo:
:func:`known_settings`, :func:`setting_spec`); any other spec file runs
with ``--spec FILE ...`` under the name of its file (:attr:`DemoSpec
.setting`). Each setting's stages, records and outputs live in
``<work-dir>/<setting>/`` (:func:`build_plans`).

A demo spec is a Python file read by mmengine's ``Config``
(``configs/demo/*.py``)::

    title = 'PointMCD on the embedded shapes: classification'
    metric = 'cls/overall_acc'          # the table's number
    extra_metrics = []                  # more tables of the same rows
    seeds = [0]                         # default of --seeds
    students = ['pointnet']             # default of --students
    student_names = dict(pointnet='PointNet', dgcnn='DGCNN')  # the known
    reference = 'loss-scale control'    # each student's rows pair with it
    stages = [
        dict(name='teacher', kind='run', config='../teacher.py',
             seeds=[0], chart='line', minutes=10),
        dict(name='teacher knowledge', kind='export', source='teacher',
             split='train', minutes=1),
        dict(name='baseline', kind='run', each_student=True,
             config='../{student}_synthetic.py',
             chosen_from=dict(spec='../comparisons/{student}_lr.py',
                              row='baseline')),
        dict(name='PointMCD', kind='run', each_student=True,
             config='../pointmcd_{student}_synthetic.py',
             knowledge='teacher knowledge',
             chosen_from=dict(spec=..., row='PointMCD (own-shapes teacher)')),
    ]

``metric`` is the key read from every run's validation and test metrics
(its record) for the main table and the chart; ``extra_metrics`` (keys
too) each get a table of their own below it (part segmentation's class
mIoU beside its instance mIoU).

Every stage entry has ``name`` (unique) and ``kind``, and may have
``each_student`` (one stage per student of ``--students``, ``{student}``
in its paths replaced by the student's key, its name prefixed by the
student's name), ``cfg_options``, ``student_options`` (``{student:
{key: value}}``, merged over ``cfg_options``) and ``minutes`` (the
expected duration for the progress estimate, a number or ``{student:
number}``).

* ``kind='run'`` (:class:`~pointmcd_plugin.utils.stages.RunStage`, one
  per seed: train, test, record): ``config`` (resolved against the spec's
  folder, then the working directory); ``seeds`` (fixed seeds, e.g. the
  teacher's ``[0]``; default: the demo's seeds); ``knowledge`` (the name
  of an export stage listed before it, whose ``.npy`` the training
  pipeline's ``LoadTeacherKnowledge`` step reads); ``chosen_from``
  (``dict(spec=sweep spec, row=swept row)``: the options that sweep chose
  on validation, read from the sweep records of ``--sweep-results``, under
  the entry's own options; the chosen run's measured minutes replace
  the entry's ``minutes``); ``table``
  (default ``True``); ``chart`` (``'bar'``, default, or ``'line'``: a
  horizontal line across the chart, the teacher); ``metric``: how its
  number is read when it is not the table's key, a key (read for the main
  table; the row is left out of the ``extra_metrics`` tables) or
  ``{table metric: key}`` (a table it does not name leaves it out), e.g.
  a segmentation teacher's ``'view_partseg/pixel_miou'``.
* ``kind='export'`` (:class:`~pointmcd_plugin.utils.stages.ExportStage`):
  ``source`` (a run stage listed before it, with one seed), ``split``,
  ``args`` (more arguments of tools/export_teacher_knowledge.py); its
  ``--cfg-options`` are the source's, under ``cfg_options``. The file is
  ``<work>/<stage>/knowledge_<split>_<digest>.npy``: a new teacher writes
  a new file, so the students' config digests (which name it) change and
  they train again.

Order: stages run in the listed order, except that consecutive run stages
without fixed seeds run seed by seed (every student and row of seed 0,
then seed 1, ...), so an interrupted demo has whole seeds.

Work dirs (``<work>`` is the setting's, ``<work-dir>/<setting>``):
``<work>/[<student>/]<stage>/seed<k>`` for runs (records in
``<work>/results``), ``<work>/[<student>/]<stage>`` for exports; the
setting's ``demo.md``, ``demo.png`` and ``demo.json`` in ``<work>``.
"""
import copy
import dataclasses
import glob
import json
import math
import os
import os.path as osp
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from .comparison import (Row, Spec, _resolve_config, format_markdown,
                         load_spec, plot_summary, summarize, sweep_choice)
from .stages import REPO_ROOT, ExportStage, RunStage, Stage, commit

KINDS = ('run', 'export')
COMMON_KEYS = {'name', 'kind', 'each_student', 'cfg_options',
               'student_options', 'minutes'}
KIND_KEYS = dict(
    run={'config', 'seeds', 'knowledge', 'chosen_from', 'table', 'chart',
         'metric'},
    export={'source', 'split', 'args'})
NOT_TUNED = ' (not tuned)'
# The settings of ``tools/demo.py --settings``: one spec file each.
DEMO_DIR = osp.join(REPO_ROOT, 'configs', 'demo')
SETTING_PREFIX, SETTING_SUFFIX = 'pointmcd_', '_synthetic.py'


class PlanError(ValueError):
    """A demo spec or a plan that cannot run (the message says why and what
    to do)."""


@dataclass
class DemoSpec:
    """A demo spec as read from its file (see the module's docstring)."""
    path: str
    title: str
    metric: str
    seeds: List[int]
    students: List[str]
    student_names: Dict[str, str]
    reference: Optional[str]
    stages: List[Dict]
    extra_metrics: List[str] = field(default_factory=list)

    @property
    def folder(self) -> str:
        return osp.dirname(osp.abspath(self.path))

    @property
    def name(self) -> str:
        return osp.splitext(osp.basename(self.path))[0]

    @property
    def setting(self) -> str:
        """Its short name (``cls`` for ``pointmcd_cls_synthetic.py``, else
        the file's name): its work dir under the demo's, the progress
        lines' prefix."""
        return setting_of(self.path)

    @property
    def metrics(self) -> List[str]:
        """The tables' metrics: ``metric``, then ``extra_metrics``."""
        return [self.metric] + self.extra_metrics


def setting_of(path: str) -> str:
    """``cls`` for ``.../pointmcd_cls_synthetic.py``; another file's
    name without ``.py``."""
    base = osp.basename(path)
    if base.startswith(SETTING_PREFIX) and base.endswith(SETTING_SUFFIX) \
            and len(base) > len(SETTING_PREFIX + SETTING_SUFFIX):
        return base[len(SETTING_PREFIX):-len(SETTING_SUFFIX)]
    return osp.splitext(base)[0]


def setting_spec(name: str, demo_dir: str = DEMO_DIR) -> str:
    """The spec file of the setting ``name``
    (``<demo_dir>/pointmcd_<name>_synthetic.py``); a :class:`PlanError`
    listing the known settings when there is none."""
    path = osp.join(demo_dir, f'{SETTING_PREFIX}{name}{SETTING_SUFFIX}')
    if not osp.isfile(path):
        raise PlanError(f'no demo setting {name!r} ({path} not found); '
                        f'known: {", ".join(known_settings(demo_dir))}')
    return path


def known_settings(demo_dir: str = DEMO_DIR) -> List[str]:
    """The settings that have a spec in ``demo_dir``, sorted."""
    pattern = osp.join(demo_dir, f'{SETTING_PREFIX}*{SETTING_SUFFIX}')
    return sorted(setting_of(p) for p in glob.glob(pattern))


def _slug(text: str) -> str:
    return re.sub(r'[^A-Za-z0-9.=_-]+', '_', text).strip('_')


def _plain(value):
    """ConfigDicts and tuples of a spec as plain dicts and lists."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def load_demo_spec(path: str) -> DemoSpec:
    """Read and check a demo spec (errors name the file and the field)."""
    from mmengine.config import Config
    if not osp.isfile(path):
        raise PlanError(f'demo spec {path} not found')
    cfg = _plain(Config.fromfile(path).to_dict())
    for key in ('metric', 'stages', 'student_names'):
        if not cfg.get(key):
            raise PlanError(f'{path}: a demo spec needs `{key}` (see '
                            'pointmcd_plugin/utils/plans.py)')
    stages = cfg['stages']
    names = []
    for i, entry in enumerate(stages):
        where = f'{path}: stages[{i}]'
        if not isinstance(entry, dict) or 'name' not in entry:
            raise PlanError(f'{where} must be dict(name=..., kind=..., ...)')
        where += f' ({entry["name"]!r})'
        kind = entry.get('kind')
        if kind not in KINDS:
            raise PlanError(f'{where}: kind must be one of {KINDS}, got '
                            f'{kind!r}')
        unknown = set(entry) - COMMON_KEYS - KIND_KEYS[kind]
        if unknown:
            raise PlanError(
                f'{where}: unknown keys {sorted(unknown)}; a {kind} stage '
                f'has {sorted(COMMON_KEYS | KIND_KEYS[kind])}')
        required = dict(run=('config', ), export=('source', 'split'))[kind]
        missing = [k for k in required if k not in entry]
        if missing:
            raise PlanError(f'{where}: a {kind} stage needs {missing}')
        if entry.get('chart', 'bar') not in ('bar', 'line'):
            raise PlanError(f"{where}: chart must be 'bar' or 'line', got "
                            f'{entry["chart"]!r}')
        templated = [k for k in ('config', 'chosen_from')
                     if '{student}' in json.dumps(entry.get(k))]
        if templated and not entry.get('each_student'):
            raise PlanError(f'{where}: {templated} name {{student}} but the '
                            'stage is not each_student=True')
        _check_row_metric(entry.get('metric'), cfg, where)
        names.append(entry['name'])
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise PlanError(f'{path}: stage names must be unique; repeated: '
                        f'{repeated}')
    reference = cfg.get('reference')
    if reference is not None and reference not in names:
        raise PlanError(f'{path}: reference {reference!r} names no stage; '
                        f'stages are {names}')
    student_names = dict(cfg['student_names'])
    students = list(cfg.get('students') or student_names)
    return DemoSpec(path=path, title=cfg.get('title', osp.basename(path)),
                    metric=cfg['metric'],
                    seeds=[int(s) for s in cfg.get('seeds', [0])],
                    students=students, student_names=student_names,
                    reference=reference, stages=stages,
                    extra_metrics=_extra_metrics(cfg, path))


def _extra_metrics(cfg: Dict, path: str) -> List[str]:
    """A spec's ``extra_metrics``: metric keys, none the main one."""
    extra = cfg.get('extra_metrics') or []
    if not isinstance(extra, list) or \
            not all(isinstance(m, str) for m in extra):
        raise PlanError(f'{path}: extra_metrics must be a list of metric '
                        f'keys, got {extra!r}')
    if cfg['metric'] in extra or len(set(extra)) != len(extra):
        raise PlanError(f'{path}: extra_metrics {extra} repeat a metric '
                        f'(the main one is {cfg["metric"]!r})')
    return list(extra)


def _check_row_metric(metric, cfg: Dict, where: str) -> None:
    """A run stage's ``metric``: a key, or ``{table metric: key}`` whose
    table metrics are the spec's ``metric`` / ``extra_metrics``."""
    if metric is None or isinstance(metric, str):
        return
    tables = [cfg['metric']] + list(cfg.get('extra_metrics') or [])
    if not isinstance(metric, dict) or not all(
            isinstance(v, str) for v in metric.values()):
        raise PlanError(f'{where}: metric must be a metric key or '
                        f'{{table metric: key}}, got {metric!r}')
    unknown = sorted(set(metric) - set(tables))
    if unknown:
        raise PlanError(f'{where}: metric names tables {unknown} the spec '
                        f'does not have; its tables are {tables}')


@dataclass
class Plan:
    """The stages of a demo in the order they run, and the comparison spec
    (``table``) through which their numbers are summarised."""
    spec: DemoSpec
    students: List[str]
    seeds: List[int]
    work_dir: str
    stages: List[Stage]
    table: Spec
    lines: List[str] = field(default_factory=list)  # chart lines (teacher)
    notes: List[str] = field(default_factory=list)  # how options were chosen
    # Rows read under other keys: {row: {table metric: the row's key}}.
    row_metrics: Dict[str, Dict[str, str]] = field(default_factory=dict)

    @property
    def setting(self) -> str:
        return self.spec.setting

    def run_stages(self) -> List[RunStage]:
        return [s for s in self.stages if isinstance(s, RunStage)]

    def records(self) -> Dict[str, Dict[int, Dict]]:
        """``{row: {seed: record}}`` of the finished runs of the table."""
        rows = {row.name for row in self.table.rows}
        out: Dict[str, Dict[int, Dict]] = {}
        for stage in self.run_stages():
            record = stage.record() if stage.row.name in rows else None
            if record is not None:
                out.setdefault(stage.row.name, {})[stage.seed] = record
        return out

    def reads(self, row: str, metric: str) -> Optional[str]:
        """The key the records of ``row`` are read by in the table of
        ``metric`` (``None``: the row is not in that table)."""
        own = self.row_metrics.get(row)
        return metric if own is None else own.get(metric)

    def summary(self, metric: Optional[str] = None) -> Dict:
        """The comparison summary of the finished runs
        (:func:`~pointmcd_plugin.utils.comparison.summarize`) in the table
        of ``metric`` (default: the spec's), each row read by its key."""
        metric = metric or self.spec.metric
        rows = [r for r in self.table.rows if self.reads(r.name, metric)]
        table = dataclasses.replace(self.table, rows=rows, metric=metric)
        records = {
            name: {seed: _read_as(record, self.reads(name, metric), metric,
                                  name)
                   for seed, record in runs.items()}
            for name, runs in self.records().items()
            if self.reads(name, metric)}
        return summarize(table, records)

    def summaries(self) -> Dict[str, Dict]:
        """``{metric: summary}`` for every table of the spec, the main one
        first."""
        return {metric: self.summary(metric) for metric in self.spec.metrics}


def _read_as(record: Dict, key: str, metric: str, row: str) -> Dict:
    """``record`` with its ``val`` / ``test`` value of ``key`` also under
    ``metric`` (the table's key), for a row read by another key."""
    if key == metric:
        return record
    out = dict(record)
    for split in ('val', 'test'):
        if key not in record[split]:
            raise PlanError(
                f'{row}: its {split} metrics have no {key!r} (they have '
                f'{sorted(record[split])}); the stage\'s `metric` in the '
                'demo spec names the key to read')
        out[split] = dict(record[split], **{metric: record[split][key]})
    return out


def _minutes(entry: Dict, student: Optional[str]) -> Optional[float]:
    minutes = entry.get('minutes')
    if isinstance(minutes, dict):
        minutes = minutes.get(student)
    return None if minutes is None else float(minutes)


def _resolve(path: str, spec: DemoSpec, where: str) -> str:
    try:
        return _resolve_config(path, spec.folder)
    except FileNotFoundError as error:
        raise PlanError(f'{where}: {error}') from None


def _choices(spec: DemoSpec, students: Sequence[str], sweep_results: str,
             allow_untuned: bool) -> Tuple[Dict, List[str]]:
    """``{(entry, student): (options, chosen entry or None, sweep path)}``
    for the run stages with ``chosen_from``, and the notes saying how."""
    sweeps: Dict[str, Spec] = {}
    chosen: Dict[Tuple[str, str], Tuple] = {}
    waiting = {}
    out, notes = {}, []
    for entry in spec.stages:
        if entry['kind'] != 'run' or not entry.get('chosen_from'):
            continue
        for student in (students if entry.get('each_student') else [None]):
            where = f'{spec.path}: stage {entry["name"]!r}'
            source = entry['chosen_from']
            if set(source) != {'spec', 'row'}:
                raise PlanError(f'{where}: chosen_from must be dict(spec=..., '
                                f'row=...), got {source}')
            path = _resolve(source['spec'].format(student=student), spec,
                            where)
            if path not in sweeps:
                sweeps[path] = load_spec(path)
            key = (path, source['row'])
            if key not in chosen:
                try:
                    chosen[key] = sweep_choice(sweeps[path], source['row'],
                                               sweep_results)
                except ValueError as error:
                    raise PlanError(f'{where}: {error}') from None
            entry_chosen, unfinished = chosen[key]
            label = _label(spec, entry['name'], student)
            if entry_chosen is not None:
                # The swept row's own options (the summary's also name its
                # knowledge, which is the sweep's, not this row's).
                swept = sweeps[path].row(entry_chosen['name']).cfg_options
                out[entry['name'], student] = (dict(swept), entry_chosen,
                                               path)
                options = ', '.join(f'{k}={v}' for k, v in swept.items())
                notes.append(f'{label}: {options}, chosen on validation by '
                             f'{path} ({entry_chosen["name"]!r})')
            elif allow_untuned:
                out[entry['name'], student] = ({}, None, path)
                notes.append(f'{label}{NOT_TUNED}: the config\'s own '
                             f'options; the sweep {path} has not finished '
                             f'{source["row"]!r} ({len(unfinished)} runs '
                             f'without a record in {sweep_results})')
            else:
                waiting.setdefault(path, []).append(
                    (label, source['row'], len(unfinished)))
    if waiting:
        lines = []
        for path, rows in waiting.items():
            groups = sorted({(g, n) for _, g, n in rows})
            lines.append(
                f'  {", ".join(label for label, _, _ in rows)}: their '
                f'options are chosen by the sweep {path}, which lacks, in '
                f'{sweep_results}, the records of ' + ', '.join(
                    f'{n} run(s) of {g!r}' for g, n in groups) +
                f'; run it first:\n    python tools/compare_seeds.py {path}')
        raise PlanError(
            'some rows take their options (the learning rate) from a sweep '
            'that has not finished:\n' + '\n'.join(lines) +
            f'\n  or pass --allow-untuned to run them at their configs\' own '
            f'options, labelled "{NOT_TUNED.strip()}" in the table')
    return out, notes


def _label(spec: DemoSpec, name: str, student: Optional[str]) -> str:
    """A stage's display name: prefixed by its student's name."""
    return name if student is None else \
        f'{spec.student_names[student]} {name}'


def build_plan(spec: DemoSpec, work_dir: str,
               students: Optional[Sequence[str]] = None,
               seeds: Optional[Sequence[int]] = None,
               sweep_results: str = 'results',
               allow_untuned: bool = False) -> Plan:
    """The stages of ``spec`` for ``students`` and ``seeds`` (default: the
    spec's), their work dirs and records under ``work_dir``. Rows with
    ``chosen_from`` take the options their sweep chose from the records in
    ``sweep_results``; a sweep that has not finished is a
    :class:`PlanError` naming it and the command that runs it, unless
    ``allow_untuned`` (then the row runs at its config's own options and
    its name says "(not tuned)")."""
    students = list(students if students else spec.students)
    unknown = [s for s in students if s not in spec.student_names]
    if unknown:
        raise PlanError(f'{spec.path}: unknown students {unknown}; it knows '
                        f'{sorted(spec.student_names)}')
    if len(set(students)) != len(students):
        raise PlanError(f'students repeated: {students}')
    seeds = [int(s) for s in (seeds if seeds else spec.seeds)]
    if len(set(seeds)) != len(seeds):
        raise PlanError(f'seeds repeated: {seeds}')
    results = osp.join(work_dir, 'results')
    choices, notes = _choices(spec, students, sweep_results, allow_untuned)

    def row_name(name: str, student: Optional[str]) -> str:
        untuned = (name, student) in choices and \
            choices[name, student][1] is None
        return _label(spec, name, student) + (NOT_TUNED if untuned else '')

    ref_entry = next((e for e in spec.stages
                      if e['name'] == spec.reference), None)
    runs: Dict[Tuple[str, Optional[str]], List[RunStage]] = {}
    exports: Dict[Tuple[str, Optional[str]], ExportStage] = {}
    units: List[Tuple[int, Dict, Optional[str], List[Stage]]] = []
    table_rows: List[Tuple[Optional[str], int, Row]] = []
    lines: List[str] = []
    row_metrics: Dict[str, Dict[str, str]] = {}

    def find(kind_map: Dict, name: str, student: Optional[str], what: str,
             where: str):
        for key in ((name, student), (name, None)):
            if key in kind_map:
                return kind_map[key]
        raise PlanError(f'{where}: {what} {name!r} names no such stage '
                        f'listed before it; listed before: '
                        f'{sorted({n for n, _ in kind_map})}')

    for index, entry in enumerate(spec.stages):
        each = bool(entry.get('each_student'))
        for student in (students if each else [None]):
            where = f'{spec.path}: stage {entry["name"]!r}'
            options = copy.deepcopy(entry.get('cfg_options') or {})
            options.update(copy.deepcopy(
                (entry.get('student_options') or {}).get(student) or {}))
            folder = osp.join(work_dir, *([student] if each else []),
                              _slug(entry['name']))
            minutes = _minutes(entry, student)
            if entry['kind'] == 'export':
                source = find(runs, entry['source'], student, 'source',
                              where)
                if len(source) != 1:
                    raise PlanError(
                        f'{where}: its source {entry["source"]!r} runs '
                        f'{len(source)} seeds; a teacher to export runs one '
                        '(seeds=[0])')
                args = [str(a) for a in entry.get('args') or []]
                cfg_options = dict(source[0].options, **options)
                digest = ExportStage.digest_of(
                    source[0].digest, entry['split'], cfg_options, args)
                out = osp.join(folder, f'knowledge_{entry["split"]}_'
                               f'{digest[:12]}.npy')
                stage = ExportStage(_label(spec, entry['name'], student),
                                    source[0], entry['split'], out, folder,
                                    cfg_options, args,
                                    1.0 if minutes is None else minutes)
                exports[entry['name'], student] = stage
                units.append((index, entry, student, [stage]))
                continue
            config = _resolve(entry['config'].format(student=student), spec,
                              where)
            chosen_options, chosen, _ = choices.get(
                (entry['name'], student), ({}, None, None))
            options = dict(chosen_options, **options)
            if chosen is not None and chosen['minutes'] == chosen['minutes']:
                minutes = chosen['minutes']  # measured, not guessed
            knowledge = None
            if entry.get('knowledge'):
                knowledge = find(exports, entry['knowledge'], student,
                                 'knowledge', where).out
            reference = None
            if ref_entry is not None:
                ref_student = student if ref_entry.get('each_student') \
                    else None
                if ref_student is not None or \
                        not ref_entry.get('each_student'):
                    reference = row_name(ref_entry['name'], ref_student)
            row = Row(name=row_name(entry['name'], student), config=config,
                      cfg_options=options, knowledge=knowledge,
                      reference=reference)
            try:
                stages = [
                    RunStage(row, seed, results,
                             osp.join(folder, f'seed{seed}'), minutes)
                    for seed in entry.get('seeds') or seeds]
            except (KeyError, ValueError) as error:
                raise PlanError(f'{where}: {error}') from None
            runs[entry['name'], student] = stages
            units.append((index, entry, student, stages))
            if entry.get('table', True):
                table_rows.append((student, index, row))
                if entry.get('chart', 'bar') == 'line':
                    lines.append(row.name)
                if entry.get('metric') is not None:
                    row_metrics[row.name] = _row_metric(entry['metric'],
                                                        spec.metric)
    order = _order(units, students, seeds)
    # The table: rows of no student first, then each student's rows.
    table_rows.sort(key=lambda item: (
        -1 if item[0] is None else students.index(item[0]), item[1]))
    table = Spec(name=spec.name, path=spec.path,
                 rows=[row for _, _, row in table_rows],
                 seeds=sorted({s.seed for s in order
                               if isinstance(s, RunStage)}),
                 metric=spec.metric, reference=None,
                 reference_label=spec.reference)
    return Plan(spec=spec, students=students, seeds=seeds, work_dir=work_dir,
                stages=order, table=table, lines=lines, notes=notes,
                row_metrics=row_metrics)


def _row_metric(metric, main: str) -> Dict[str, str]:
    """A stage's ``metric`` as ``{table metric: key}``."""
    return {main: metric} if isinstance(metric, str) else dict(metric)


def build_plans(specs: Sequence[DemoSpec], work_root: str,
                **options) -> List[Plan]:
    """One plan per spec (:func:`build_plan` with ``options``), each in
    ``<work_root>/<setting>``. Every spec is planned before any error is
    raised, so one :class:`PlanError` names all that stop the demo (a
    sweep to run first, an unknown student, ...)."""
    settings = [spec.setting for spec in specs]
    repeated = sorted({s for s in settings if settings.count(s) > 1})
    if repeated:
        raise PlanError(f'settings repeated: {repeated} (each setting runs '
                        'once, in <work-dir>/<setting>)')
    plans, errors = [], []
    for spec in specs:
        try:
            plans.append(build_plan(spec, osp.join(work_root, spec.setting),
                                    **options))
        except PlanError as error:
            errors.append(f'{spec.setting} ({spec.path}): {error}')
    if errors:
        raise PlanError('\n'.join(errors))
    return plans


def _order(units: List[Tuple[int, Dict, Optional[str], List[Stage]]],
           students: List[str], seeds: List[int]) -> List[Stage]:
    """The listed order, with each block of consecutive run entries
    without fixed seeds run seed by seed (then student, then entry)."""
    def per_seed(entry: Dict) -> bool:
        return entry['kind'] == 'run' and not entry.get('seeds')

    order: List[Stage] = []
    block: List[Tuple[int, int, int, Stage]] = []
    for index, entry, student, stages in units + [(None, None, None, [])]:
        if entry is not None and per_seed(entry):
            for stage in stages:
                block.append((seeds.index(stage.seed),
                              -1 if student is None else
                              students.index(student), index, stage))
            continue
        order += [stage for *_, stage in sorted(block, key=lambda b: b[:3])]
        block = []
        order += stages
    return order


def estimate_left(remaining: Sequence[Stage], spent: float,
                  estimated: float) -> Optional[float]:
    """Minutes the ``remaining`` stages should take: their ``minutes``
    (a stage without one counted at the mean of those that have one),
    scaled by how the stages run so far compared with their estimates
    (``spent`` minutes for ``estimated``); ``None`` when nothing is
    known."""
    known = [s.minutes for s in remaining if s.minutes is not None]
    if not remaining:
        return 0.0
    if not known:
        return None
    mean = sum(known) / len(known)
    total = sum(mean if s.minutes is None else s.minutes for s in remaining)
    if spent > 0 and estimated > 0:
        total *= spent / estimated
    return total


def format_progress(k: int, n: int, what: str, elapsed_s: float,
                    left_min: Optional[float]) -> str:
    """``[demo] stage k/n: <what> (elapsed m:ss, about m min left)``."""
    elapsed = f'{int(elapsed_s // 60)}:{int(elapsed_s % 60):02d}'
    left = '' if left_min is None else \
        f', about {max(1, math.ceil(left_min))} min left'
    return f'[demo] stage {k}/{n}: {what} (elapsed {elapsed}{left})'


def stage_action(stage: Stage) -> str:
    """What a stage does, for the progress line."""
    if isinstance(stage, RunStage):
        return f'train + test {stage.name} ({stage.row.config})'
    if isinstance(stage, ExportStage):
        return f'export {stage.name} ({stage.split} split)'
    return stage.name


def format_report(plan: Plan, summary: Dict,
                  extra: Optional[Dict[str, Dict]] = None) -> str:
    """The demo's Markdown: title, what ran, the table (the comparison
    protocol's :func:`format_markdown`), the rows read by another key,
    how the options were chosen, each student's difference against the
    reference, then a table per ``extra`` summary (``{metric:
    summary}``, the spec's ``extra_metrics``)."""
    out = [f'# {plan.spec.title}', '',
           f'`{summary["metric"]}`, validation after the last epoch '
           f'and test; seeds {" ".join(map(str, plan.seeds))}; students '
           f'{", ".join(plan.students)}; spec `{plan.spec.path}`; work dir '
           f'`{plan.work_dir}`.', '', format_markdown(summary).rstrip()]
    out += _other_keys(plan, summary['metric'])
    out += _differences(summary, named=False)
    for metric, other in (extra or {}).items():
        out += ['', f'`{metric}`, validation after the last epoch and '
                'test:', '', format_markdown(other).rstrip()]
        out += _other_keys(plan, metric)
        out += _differences(other, named=True)
    if plan.notes:
        out += ['', 'Options chosen for the rows:', '']
        out += [f'* {note}' for note in plan.notes]
    return '\n'.join(out) + '\n'


def _other_keys(plan: Plan, metric: str) -> List[str]:
    """A line naming the rows of ``metric``'s table read by another key."""
    others = [f'{row.name}: `{plan.reads(row.name, metric)}`'
              for row in plan.table.rows
              if plan.reads(row.name, metric) not in (None, metric)]
    return ['', 'Read by their own metric: ' + '; '.join(others) + '.'] \
        if others else []


def _differences(summary: Dict, named: bool) -> List[str]:
    """Each row's paired difference against its reference, as a list
    (``named``: its header names the summary's metric)."""
    diffs = [e for e in summary['rows'] if e.get('test_diff')]
    if not diffs:
        return []
    label = summary.get('reference_label') or 'reference'
    metric = f', `{summary["metric"]}`' if named else ''
    out = ['', f'Difference against the {label} (test, paired by '
           f'seed{metric}):', '']
    for e in diffs:
        n = len(e['test_diff'])
        std = f' ± {e["test_diff_std"]:.1f}' if n > 1 else ''
        out.append(f'* {e["name"]}: {e["test_diff_mean"]:+.1f}{std} '
                   f'({n} seed{"s" if n > 1 else ""})')
    return out


def demo_json(summary: Dict, records: Dict[str, Dict[int, Dict]],
              stages: List[Dict], **about) -> Dict:
    """Every number of a demo with what produced it: ``about`` (spec,
    seeds, students, commit, ...), the summary, each row's records by seed
    (config, options, seed, digest, checkpoint, commit, metrics) and the
    stages (name, kind, argv, outputs, digest)."""
    return dict(about, summary=summary,
                records={row: {str(seed): record
                               for seed, record in sorted(runs.items())}
                         for row, runs in records.items()},
                stages=stages)


def write_json(path: str, data: Dict) -> None:
    """Write ``data`` as JSON atomically."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    tmp = f'{path}.tmp{os.getpid()}'
    with open(tmp, 'w') as f:
        json.dump(data, f, indent=1, default=str)
        f.write('\n')
    os.replace(tmp, path)


def write_outputs(plan: Plan, out_dir: str) -> Tuple[Dict[str, str], str]:
    """Write ``demo.md``, ``demo.png`` and ``demo.json`` into ``out_dir``
    (the plan's setting's); return their paths and the Markdown."""
    summaries = plan.summaries()
    summary = summaries.pop(plan.spec.metric)
    records = plan.records()
    paths = dict(markdown=osp.join(out_dir, 'demo.md'),
                 chart=osp.join(out_dir, 'demo.png'),
                 json=osp.join(out_dir, 'demo.json'))
    report = format_report(plan, summary, summaries)
    os.makedirs(out_dir, exist_ok=True)
    with open(paths['markdown'], 'w') as f:
        f.write(report)
    chart, lines = _chart_labels(plan, summary)
    plot_summary(chart, paths['chart'], lines=lines,
                 title=f'{plan.spec.title} (seeds '
                 f'{" ".join(map(str, plan.seeds))})')
    write_json(paths['json'], demo_json(
        summary, records, [s.describe() for s in plan.stages],
        spec=plan.spec.path, setting=plan.setting, title=plan.spec.title,
        metric=plan.spec.metric, seeds=plan.seeds, students=plan.students,
        work_dir=plan.work_dir, notes=plan.notes, commit=commit(),
        row_metrics=plan.row_metrics, extra_tables=summaries))
    return paths, report


def _chart_labels(plan: Plan, summary: Dict) -> Tuple[Dict, List[str]]:
    """The summary and chart lines with each row read by another key
    named with it (``teacher, view_partseg/pixel_miou``), so the chart
    says what its teacher line measures."""
    metric = summary['metric']
    names = {}
    for row in plan.table.rows:
        key = plan.reads(row.name, metric)
        names[row.name] = row.name if key in (None, metric) else \
            f'{row.name}, {key}'
    chart = dict(summary, rows=[dict(e, name=names.get(e['name'], e['name']))
                                for e in summary['rows']])
    return chart, [names.get(name, name) for name in plan.lines]
