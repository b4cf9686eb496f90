"""Fair comparisons over seeds: comparison specs, run records and their
summary (per-seed values, mean +- std, paired differences against a
reference row, validation and test side by side).

A *spec* is a Python file read by mmengine's ``Config``::

    seeds = [0, 1, 2]
    metric = 'cls/overall_acc'          # read from validation and test
    reference = 'control'               # paired differences against it
    requires = [                        # produced first when missing
        dict(file='work_dirs/teacher/knowledge_train.npy',
             command=['tools/train.py', 'configs/teacher.py'])]
    rows = [
        dict(name='baseline', config='../pointnet_synthetic.py'),
        dict(name='control', config='../pointmcd_pointnet_synthetic.py',
             cfg_options={'model.distill_loss.loss_weight': 0.0}),
        dict(name='PointMCD', config='../pointmcd_pointnet_synthetic.py',
             knowledge='work_dirs/teacher/knowledge_train.npy'),
        dict(name='baseline', config='../pointnet_synthetic.py',
             sweep=dict(key='optim_wrapper.optimizer.lr',
                        values=[0.1, 0.03])),   # one row per value
        dict(name='baseline, tuned', config='../pointnet_synthetic.py',
             chosen_from=dict(spec='./sweep.py', row='baseline')),
    ]

``config`` is resolved against the spec's folder (then the working
directory); ``knowledge`` replaces the cache of the training pipeline's
``LoadTeacherKnowledge`` step (it becomes an ordinary ``--cfg-options``
entry, so the record shows it); ``sweep`` expands a row into one row per
value, named ``name [key=value]``; ``chosen_from`` takes the options of
the row a sweep of another spec chose on validation (the spec resolved
against this one's folder; its runs must have finished: run it first),
under the row's own ``cfg_options``; ``reference`` (another row's name)
pairs this row with that row instead of the spec's ``reference`` (tables
of several students, each against its own control). Commands of
``requires`` are argv lists whose first ``tools/*.py`` item runs with this
Python from the repository root.

A *run* is one (row, seed). When it has trained and been tested, its
*record* (a small JSON: row, config, options, seed, the digest of the
resolved config, the final validation metrics read from the training run's
own ``vis_data/scalars.json``, the test metrics ``tools/test.py`` wrote,
the first and last logged losses, the checkpoint, minutes, commit, and
the sha256 of the row's ``knowledge`` file) is written under the results
folder as ``<config>/<digest>.json``, and a run whose record exists is
not trained again, whichever spec asks for it. The records are what the
summary reads, so a comparison continues from
finished runs, across machines, when the records are kept (this
repository commits them under ``results/``).

Records are keyed by the config and its options, the knowledge *path*
included, not the knowledge's content: a teacher retrained on another
machine gives other bytes under the same path, and keying by content
would make every finished run of a row unusable there. The content is
recorded instead (``knowledge_sha256``), and the summary flags a row whose
seeds were trained on different knowledge (or on knowledge recorded
before the field existed), and rows of one table that read a knowledge
path with different bytes, so that a table never mixes teachers silently.
Likewise a run whose training was interrupted and resumed from its last
checkpoint is recorded as ``resumed`` and noted under the table: mmengine
keeps no RNG state, so it is not the run an uninterrupted training gives.
"""
import copy
import glob
import hashlib
import itertools
import json
import os
import os.path as osp
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

RECORD_VERSION = 1


@dataclass
class Row:
    """One row of a comparison: a config and its options."""
    name: str
    config: str
    cfg_options: Dict = field(default_factory=dict)
    knowledge: Optional[str] = None
    group: Optional[str] = None  # the row a sweep expanded from
    chosen_from: Optional[Dict] = None  # dict(spec=path, row=swept row)
    reference: Optional[str] = None  # pair with this row, not the spec's

    @property
    def slug(self) -> str:
        """File-system name of the row."""
        return re.sub(r'[^A-Za-z0-9.=_-]+', '_', self.name).strip('_')


@dataclass
class Spec:
    """A comparison: rows, seeds, the metric and the reference row."""
    name: str
    path: str
    rows: List[Row]
    seeds: List[int]
    metric: str = 'cls/overall_acc'
    reference: Optional[str] = None
    requires: List[Dict] = field(default_factory=list)
    # How the table's headers name the reference (default: the reference
    # row's name); for specs whose rows carry their own references.
    reference_label: Optional[str] = None

    def row(self, name: str) -> Row:
        for row in self.rows:
            if row.name == name:
                return row
        raise KeyError(f'{self.path}: no row named {name!r}; rows are '
                       f'{[r.name for r in self.rows]}')

    def select(self, names: Sequence[str]) -> List[Row]:
        """The rows named ``names``, in the spec's order; the name of a
        swept row (its ``group``) selects every value of its sweep."""
        groups = {r.group for r in self.rows if r.group is not None}
        for name in names:
            if name not in groups:
                self.row(name)  # raises, naming the rows
        return [r for r in self.rows if r.name in names or r.group in names]


def _resolve_config(path: str, spec_dir: str) -> str:
    for candidate in (osp.join(spec_dir, path), path):
        if osp.isfile(candidate):
            # Relative to the working directory when under it, so records
            # name 'configs/x.py' on every machine.
            relative = osp.relpath(candidate)
            return osp.normpath(candidate if relative.startswith('..')
                                else relative)
    raise FileNotFoundError(
        f'config {path!r} not found next to the spec ({spec_dir}) nor from '
        f'the working directory ({os.getcwd()})')


def _format_value(value) -> str:
    return f'{value:g}' if isinstance(value, float) else str(value)


def load_spec(path: str, seeds: Optional[Sequence[int]] = None) -> Spec:
    """Read and check a spec file; sweeps are expanded into rows."""
    from mmengine.config import Config
    cfg = Config.fromfile(path)
    spec_dir = osp.dirname(osp.abspath(path))
    if 'rows' not in cfg or not cfg.rows:
        raise ValueError(f'{path}: a comparison spec needs a non-empty '
                         '`rows` list of dict(name=..., config=...)')
    known = {'name', 'config', 'cfg_options', 'knowledge', 'sweep',
             'chosen_from', 'reference'}
    rows: List[Row] = []
    for i, item in enumerate(cfg.rows):
        item = dict(item)
        missing = {'name', 'config'} - set(item)
        unknown = set(item) - known
        if missing or unknown:
            raise ValueError(
                f'{path}: rows[{i}] needs name and config and may have '
                f'{sorted(known - {"name", "config"})}; missing '
                f'{sorted(missing)}, unknown {sorted(unknown)}')
        base = Row(name=item['name'],
                   config=_resolve_config(item['config'], spec_dir),
                   cfg_options=dict(item.get('cfg_options') or {}),
                   knowledge=item.get('knowledge'),
                   reference=item.get('reference'))
        chosen = item.get('chosen_from')
        if chosen is not None:
            if set(chosen) != {'spec', 'row'}:
                raise ValueError(f'{path}: rows[{i}].chosen_from must be '
                                 f'dict(spec=..., row=...), got {chosen}')
            base.chosen_from = dict(
                spec=_resolve_config(chosen['spec'], spec_dir),
                row=chosen['row'])
        sweep = item.get('sweep')
        if sweep is None:
            rows.append(base)
            continue
        if set(sweep) != {'key', 'values'} or not sweep['values']:
            raise ValueError(f'{path}: rows[{i}].sweep must be dict(key=..., '
                             'values=[...]) with at least one value')
        short = sweep['key'].split('.')[-1]
        for value in sweep['values']:
            row = copy.deepcopy(base)
            row.name = f'{base.name} [{short}={_format_value(value)}]'
            row.cfg_options[sweep['key']] = value
            row.group = base.name
            rows.append(row)
    names = [r.name for r in rows]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f'{path}: row names must be unique; repeated: '
                         f'{duplicates}')
    spec = Spec(name=osp.splitext(osp.basename(path))[0], path=path,
                rows=rows,
                seeds=list(seeds if seeds is not None else
                           cfg.get('seeds', [0, 1, 2])),
                metric=cfg.get('metric', 'cls/overall_acc'),
                reference=cfg.get('reference'),
                requires=list(cfg.get('requires', [])))
    if spec.reference is not None:
        spec.row(spec.reference)
    for row in spec.rows:
        if row.reference is not None:
            spec.row(row.reference)
    for req in spec.requires:
        if set(req) != {'file', 'command'}:
            raise ValueError(f'{path}: requires entries are dict(file=..., '
                             f'command=[...]); got {req}')
    return spec


def collect_records(spec: Spec, results_dir: str
                    ) -> Tuple[Dict[str, Dict[int, Dict]], List[Tuple]]:
    """The records of a spec's runs: ``({row: {seed: record}}, missing)``
    with ``missing`` the ``(row, seed, options, digest, record path)`` of
    the runs without one."""
    records: Dict[str, Dict[int, Dict]] = {}
    missing = []
    for row in spec.rows:
        options = run_options(row)
        for seed in spec.seeds:
            digest = config_digest(row.config, options, seed)
            path = record_path(results_dir, row.config, digest)
            record = read_record(path)
            if record is not None:
                records.setdefault(row.name, {})[seed] = record
            else:
                missing.append((row, seed, options, digest, path))
    return records, missing


def sweep_choice(sweep: Spec, group: str, results_dir: str
                 ) -> Tuple[Optional[Dict], List[str]]:
    """What the sweep spec ``sweep`` chose on validation for its swept row
    ``group``: ``(the chosen row's summary entry, [])`` once every run of
    that row has a record in ``results_dir`` (the entry of
    :func:`summarize`: name, cfg_options, val/test values, minutes), else
    ``(None, the names of the runs without one)``."""
    if not any(r.group == group for r in sweep.rows):
        raise ValueError(f'{sweep.path} sweeps no row {group!r}; it sweeps '
                         f'{sorted({r.group for r in sweep.rows} - {None})}')
    records, missing = collect_records(sweep, results_dir)
    unfinished = [r.name for r, *_ in missing if r.group == group]
    if unfinished:
        return None, unfinished
    summary = summarize(sweep, records)
    chosen = summary['chosen'][group]
    return next(e for e in summary['rows'] if e['name'] == chosen), []


def apply_choices(spec: Spec, results_dir: str,
                  _chain: Tuple[str, ...] = ()) -> None:
    """Resolve the ``chosen_from`` rows of ``spec``: each takes the
    ``cfg_options`` of the row its sweep chose on validation (under its
    own), from that sweep's finished records. A sweep whose rows are
    themselves chosen from another sweep (a distillation weight swept at
    the learning rate a first sweep chose) is resolved first."""
    chain = _chain + (osp.abspath(spec.path),)
    for row in spec.rows:
        if row.chosen_from is None:
            continue
        if osp.abspath(row.chosen_from['spec']) in chain:
            raise ValueError(
                f'{spec.path}: chosen_from goes round in a circle: '
                f'{" -> ".join(chain + (row.chosen_from["spec"],))}')
        sweep = load_spec(row.chosen_from['spec'])
        apply_choices(sweep, results_dir, chain)
        group = row.chosen_from['row']
        if not any(r.group == group for r in sweep.rows):
            raise ValueError(f'{spec.path}: {row.name!r} is chosen from '
                             f'{sweep.path}, which sweeps no row {group!r}')
        chosen, unfinished = sweep_choice(sweep, group, results_dir)
        if unfinished:
            raise RuntimeError(
                f'{spec.path}: {row.name!r} takes its options from the '
                f'sweep {sweep.path}, which has not finished {unfinished}: '
                f'run python tools/compare_seeds.py {sweep.path} first')
        options = dict(sweep.row(chosen['name']).cfg_options)
        options.update(row.cfg_options)
        row.cfg_options = options


def knowledge_option(cfg, path: str) -> Dict[str, str]:
    """The ``--cfg-options`` entry that points the training pipeline's
    ``LoadTeacherKnowledge`` step of ``cfg`` at the cache ``path``."""
    pipeline = cfg.train_dataloader.dataset.pipeline
    steps = [i for i, step in enumerate(pipeline)
             if str(step.get('type', '')).split('.')[-1] ==
             'LoadTeacherKnowledge']
    if len(steps) != 1:
        raise ValueError(
            f'{cfg.filename}: `knowledge` needs exactly one '
            'LoadTeacherKnowledge step in train_dataloader.dataset.pipeline; '
            f'found {len(steps)}')
    return {f'train_dataloader.dataset.pipeline.{steps[0]}.cache': path}


def run_options(row: Row, cfg=None) -> Dict:
    """All ``--cfg-options`` of a row (``knowledge`` turned into one)."""
    options = dict(row.cfg_options)
    if row.knowledge is not None:
        if cfg is None:
            from mmengine.config import Config
            cfg = Config.fromfile(row.config)
        options.update(knowledge_option(cfg, row.knowledge))
    return options


# The parts of a resolved config that decide what a run trains and how it
# is evaluated; top-level helper values (num_points, knowledge, ...) only
# feed these, and work_dir / launcher do not change the result.
RUN_KEYS = ('model', 'train_dataloader', 'val_dataloader', 'test_dataloader',
            'val_evaluator', 'test_evaluator', 'optim_wrapper',
            'param_scheduler', 'train_cfg', 'val_cfg', 'test_cfg',
            'randomness', 'default_hooks', 'custom_hooks', 'runner_type',
            'auto_scale_lr', 'load_from', 'custom_imports', 'default_scope')


def config_digest(config: str, options: Dict, seed: int) -> str:
    """SHA-256 of what a run trains and evaluates (``RUN_KEYS`` of its
    resolved config, seed and options applied), so a record made from
    another config is not taken for this one, while a config rewritten to
    resolve to the same run keeps its records."""
    from mmengine.config import Config
    cfg = Config.fromfile(config)
    cfg.merge_from_dict(dict(options, **{'randomness.seed': seed}))
    resolved = cfg.to_dict()
    run = {key: resolved.get(key) for key in RUN_KEYS}
    text = json.dumps(run, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _newest(paths: List[str]) -> Optional[str]:
    return max(paths, key=osp.getmtime) if paths else None


def final_val_metrics(work_dir: str) -> Optional[Dict]:
    """Validation metrics after the last epoch of a training run, from the
    newest ``<timestamp>/vis_data/scalars.json`` mmengine wrote in
    ``work_dir`` (lines without ``lr`` / ``loss`` are validation ones)."""
    scalars = _newest(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                         'scalars.json')))
    if scalars is None:
        return None
    last = None
    with open(scalars) as f:
        for line in f:
            entry = json.loads(line)
            if 'lr' not in entry and not any(
                    k.startswith('loss') for k in entry):
                last = entry
    return last


def train_losses(work_dir: str) -> Optional[Dict]:
    """First and last logged value of each ``loss*`` key of a training run
    (``{key: [first, last]}``)."""
    scalars = _newest(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                         'scalars.json')))
    if scalars is None:
        return None
    out: Dict[str, List[float]] = {}
    with open(scalars) as f:
        for line in f:
            entry = json.loads(line)
            for k, v in entry.items():
                if k.startswith('loss'):
                    out.setdefault(k, [v, v])[1] = v
    return out


def test_metrics(test_dir: str) -> Optional[Dict]:
    """The metrics of the newest ``tools/test.py`` run in ``test_dir``
    (mmengine's ``<timestamp>/<timestamp>.json``)."""
    files = [p for p in glob.glob(osp.join(test_dir, '*', '*.json'))
             if osp.basename(p)[:-5] == osp.basename(osp.dirname(p))]
    newest = _newest(files)
    if newest is None:
        return None
    with open(newest) as f:
        return json.load(f)


def record_path(results_dir: str, config: str, digest: str) -> str:
    """Where the record of a run lives: named by its config and the
    digest of its resolved config (seed included), so that two specs with
    the same run (a sweep's chosen value and a table's row) share it."""
    stem = osp.splitext(osp.basename(config))[0]
    return osp.join(results_dir, stem, f'{digest[:16]}.json')


def read_record(path: str) -> Optional[Dict]:
    if not osp.isfile(path):
        return None
    with open(path) as f:
        return json.load(f)


def write_record(path: str, record: Dict) -> None:
    """Write a record atomically (a killed run never leaves half a file)."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    tmp = f'{path}.tmp{os.getpid()}'
    with open(tmp, 'w') as f:
        json.dump(record, f, indent=1, sort_keys=True)
        f.write('\n')
    os.replace(tmp, path)


def make_record(row: Row, seed: int, options: Dict, digest: str,
                work_dir: str, test_dir: str, checkpoint: str,
                minutes: Optional[float], commit: Optional[str],
                resumed: bool = False) -> Dict:
    """A run's record from its training and test work dirs; ``resumed``:
    the training was interrupted and resumed from a checkpoint (mmengine
    keeps no RNG state, so it is not bit-identical to an uninterrupted
    run)."""
    val = final_val_metrics(work_dir)
    test = test_metrics(test_dir)
    if val is None or test is None:
        raise RuntimeError(
            f'run {row.name} seed {seed}: no validation metrics in '
            f'{work_dir} or no test metrics in {test_dir}')
    record = dict(version=RECORD_VERSION, row=row.name, group=row.group,
                  config=row.config, cfg_options=options, seed=seed,
                  config_digest=digest, val=val, test=test,
                  losses=train_losses(work_dir), checkpoint=checkpoint,
                  minutes=minutes, commit=commit, resumed=resumed)
    if row.knowledge is not None:
        from ..datasets.knowledge import file_sha256
        record['knowledge_sha256'] = file_sha256(row.knowledge)
    return record


def _mean_std(values: Sequence[float]):
    a = np.asarray(values, dtype=float)
    if len(a) == 0:
        return float('nan'), float('nan')
    return float(a.mean()), float(a.std(ddof=1)) if len(a) > 1 else 0.0


def summarize(spec: Spec, records: Dict[str, Dict[int, Dict]]) -> Dict:
    """Per row: per-seed validation / test values of ``spec.metric``, their
    mean and std (ddof 1), and the paired per-seed difference of the test
    (and validation) metric against its reference (the row's own
    ``reference``, else ``spec.reference``) over the seeds both rows
    finished. ``records`` maps row name -> seed -> record."""
    metric = spec.metric
    out = dict(spec=spec.name, metric=metric, reference=spec.reference,
               rows=[])
    if spec.reference_label is not None:
        out['reference_label'] = spec.reference_label
    for row in spec.rows:
        reference = row.reference if row.reference is not None \
            else spec.reference
        ref = records.get(reference, {}) if reference else {}
        runs = records.get(row.name, {})
        seeds = [s for s in spec.seeds if s in runs]
        entry = dict(name=row.name, group=row.group, config=row.config,
                     cfg_options=run_options(row) if row.knowledge is None
                     else dict(row.cfg_options, knowledge=row.knowledge),
                     seeds=seeds)
        if row.reference is not None:
            entry['reference'] = row.reference
        for split in ('val', 'test'):
            values = [runs[s][split][metric] for s in seeds]
            entry[split] = values
            entry[f'{split}_mean'], entry[f'{split}_std'] = _mean_std(values)
        if reference and row.name != reference:
            paired = [s for s in seeds if s in ref]
            entry['paired_seeds'] = paired
            for split in ('val', 'test'):
                diff = [runs[s][split][metric] - ref[s][split][metric]
                        for s in paired]
                entry[f'{split}_diff'] = diff
                entry[f'{split}_diff_mean'], entry[f'{split}_diff_std'] = \
                    _mean_std(diff)
        if row.knowledge is not None:
            # seed -> sha256 of the knowledge it trained on (None: recorded
            # before records carried it)
            entry['knowledge_sha256'] = {
                s: runs[s].get('knowledge_sha256') for s in seeds}
            entry['mixed_knowledge'] = \
                len(set(entry['knowledge_sha256'].values())) > 1
        # seeds whose training was resumed after an interruption (records
        # from before the field count as not resumed)
        entry['resumed_seeds'] = [s for s in seeds if runs[s].get('resumed')]
        entry['minutes'] = _mean_std(
            [runs[s]['minutes'] for s in seeds
             if runs[s].get('minutes') is not None])[0]
        out['rows'].append(entry)
    out['chosen'] = choose_by_validation(out)
    out['mixed_knowledge_paths'] = mixed_knowledge_paths(out['rows'])
    return out


def mixed_knowledge_paths(entries: List[Dict]) -> Dict[str, Dict]:
    """Knowledge paths that the rows of a table read with different
    bytes, each row on one content (a teacher retrained between rows'
    runs; a row mixing contents is flagged on its own): path -> sha256
    prefix (or ``'not recorded'``) -> the rows that read it."""
    seen: Dict[str, Dict[str, List[str]]] = {}
    for e in entries:
        if e.get('mixed_knowledge'):
            continue
        path = e['cfg_options'].get('knowledge')
        for sha in e.get('knowledge_sha256', {}).values():
            names = seen.setdefault(path, {}).setdefault(
                sha[:12] if sha else 'not recorded', [])
            if e['name'] not in names:
                names.append(e['name'])
    return {path: shas for path, shas in seen.items() if len(shas) > 1}


def choose_by_validation(summary: Dict) -> Dict[str, str]:
    """For each swept group, the row with the best mean validation
    metric (ties: the first listed)."""
    best: Dict[str, Dict] = {}
    for entry in summary['rows']:
        group = entry.get('group')
        if group is None or not entry['seeds']:
            continue
        if group not in best or entry['val_mean'] > best[group]['val_mean']:
            best[group] = entry
    return {g: e['name'] for g, e in best.items()}


def _pm(mean: float, std: float, n: int, signed: bool = False) -> str:
    if n == 0:
        return '-'
    text = f'{mean:+.1f}' if signed else f'{mean:.1f}'
    return f'{text} ± {std:.1f}' if n > 1 else text


def format_markdown(summary: Dict) -> str:
    """The summary as a Markdown table (rows with no reference of their
    own or the spec's leave the difference columns empty)."""
    ref = summary['reference']
    paired = bool(ref) or any('reference' in e for e in summary['rows'])
    label = summary.get('reference_label') or ref or 'reference'
    head = ['row', 'seeds', 'val per seed', 'val mean ± std',
            'test per seed', 'test mean ± std']
    if paired:
        head += [f'val − {label} mean ± std', f'test − {label} per seed',
                 f'test − {label} mean ± std']
    head.append('min / run')
    lines = ['| ' + ' | '.join(head) + ' |',
             '|' + '---|' * len(head)]
    for e in summary['rows']:
        n = len(e['seeds'])
        cells = [e['name'], ' '.join(map(str, e['seeds'])) or '-',
                 ', '.join(f'{v:.1f}' for v in e['val']) or '-',
                 _pm(e['val_mean'], e['val_std'], n),
                 ', '.join(f'{v:.1f}' for v in e['test']) or '-',
                 _pm(e['test_mean'], e['test_std'], n)]
        if paired:
            own = e.get('reference', ref)
            if not own:
                cells += ['', '', '']
            elif e['name'] == own:
                cells += ['(reference)', '', '']
            else:
                d = e.get('test_diff', [])
                cells += [_pm(e['val_diff_mean'], e['val_diff_std'], len(d),
                              signed=True),
                          ', '.join(f'{v:+.1f}' for v in d) or '-',
                          _pm(e['test_diff_mean'], e['test_diff_std'],
                              len(d), signed=True)]
        cells.append(f'{e["minutes"]:.1f}' if e['minutes'] == e['minutes']
                     else '-')
        lines.append('| ' + ' | '.join(cells) + ' |')
    for group, name in summary.get('chosen', {}).items():
        lines.append('')
        lines.append(f'Chosen on validation for {group!r}: {name}')
    for e in summary['rows']:
        if e.get('mixed_knowledge'):
            by_digest: Dict[str, List[int]] = {}
            for seed, sha in e['knowledge_sha256'].items():
                by_digest.setdefault(
                    sha[:12] if sha else 'not recorded', []).append(seed)
            parts = '; '.join(f'seeds {" ".join(map(str, seeds))}: {sha}'
                              for sha, seeds in by_digest.items())
            lines.append('')
            lines.append(f'Note: {e["name"]!r} mixes knowledge files '
                         f'(sha256 {parts}): a teacher retrained between '
                         'its runs.')
    for path, shas in summary.get('mixed_knowledge_paths', {}).items():
        parts = '; '.join(f'{sha}: {", ".join(map(repr, names))}'
                          for sha, names in shas.items())
        lines.append('')
        lines.append(f'Note: the rows read {path} with different bytes '
                     f'(sha256 {parts}): compare them with care.')
    for e in summary['rows']:
        if e.get('resumed_seeds'):
            seeds = ' '.join(map(str, e['resumed_seeds']))
            lines.append('')
            lines.append(f'Note: {e["name"]!r} seeds {seeds} resumed an '
                         'interrupted training (mmengine keeps no RNG '
                         'state: not the uninterrupted run).')
    return '\n'.join(lines) + '\n'


def plot_summary(summary: Dict, path: str, split: str = 'test',
                 lines: Sequence[str] = (), title: Optional[str] = None
                 ) -> None:
    """The summary as a bar chart (PNG, matplotlib's Agg backend): one bar
    per row at its mean ``split`` metric, with a std error bar where the
    row ran several seeds; the rows named in ``lines`` (a teacher) are
    drawn as horizontal lines across the chart instead. Rows that have no
    value yet are left out."""
    import matplotlib
    matplotlib.use('Agg')
    from matplotlib import pyplot as plt
    bars = [e for e in summary['rows']
            if e['name'] not in lines and e['seeds']]
    hlines = [e for e in summary['rows']
              if e['name'] in lines and e['seeds']]
    fig, ax = plt.subplots(figsize=(max(4.0, 1.2 * len(bars) + 2), 4.5))
    x = np.arange(len(bars))
    means = [e[f'{split}_mean'] for e in bars]
    errors = [e[f'{split}_std'] if len(e['seeds']) > 1 else 0.0
              for e in bars]
    ax.bar(x, means, yerr=errors if any(errors) else None, capsize=4,
           color='tab:blue', label=f'{split} mean' +
           (' ± std over seeds' if any(errors) else ''))
    for xi, mean, error in zip(x, means, errors):
        ax.annotate(f'{mean:.1f}', (xi, mean + error), ha='center',
                    va='bottom', xytext=(0, 2), textcoords='offset points',
                    fontsize=8)
    for e, style in zip(hlines, itertools.cycle(('--', ':', '-.'))):
        ax.axhline(e[f'{split}_mean'], color='tab:red', linestyle=style,
                   label=f'{e["name"]}: {e[f"{split}_mean"]:.1f}')
    ax.set_xticks(x)
    ax.set_xticklabels([e['name'] for e in bars], rotation=20, ha='right',
                       fontsize=8)
    top = max([m + s for m, s in zip(means, errors)] +
              [e[f'{split}_mean'] for e in hlines] + [0.0])
    # Percentages are drawn out of 100 so that bars compare at a glance.
    top = 100.0 if 1.0 < top <= 100.0 else top * 1.1 or 1.0
    ax.set_ylim(0, top)
    ax.set_ylabel(f'{summary["metric"]} ({split})')
    fig.suptitle(title or summary['spec'], fontsize=10)
    ax.legend(loc='lower left', bbox_to_anchor=(0.0, 1.0), ncol=2,
              fontsize=8, frameon=False)
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
