"""configs/metafile.yml: the model-zoo metadata names every experiment
config, points at files that exist, and holds numbers, not strings.

Fast: it reads YAML, JSON and Markdown only (no config is built).
"""
import glob
import json
import numbers
import os.path as osp

import pytest
import yaml

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
METAFILE = osp.join(REPO_ROOT, 'configs', 'metafile.yml')
SNAPSHOT = osp.join(REPO_ROOT, 'tests', 'snapshots', 'config_snapshot.json')

# Metadata fields that must be numbers when present.
NUMERIC_METADATA = ('Epochs', 'Batch Size', 'Points', 'Views', 'Image Size')
# Datasets the paper reports on; the embedded shapes are this plugin's own.
PAPER_DATASETS = ('ModelNet40', 'ScanObjectNN OBJ_BG', 'ShapeNetPart')


@pytest.fixture(scope='module')
def meta():
    with open(METAFILE, encoding='utf-8') as f:
        return yaml.safe_load(f)


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _top_level_configs():
    """configs/*.py: the experiment configs (not _base_/, comparisons/,
    demo/ or any other sub-folder)."""
    return sorted(
        osp.relpath(p, REPO_ROOT).replace(osp.sep, '/')
        for p in glob.glob(osp.join(REPO_ROOT, 'configs', '*.py')))


def _docs_text():
    paths = [osp.join(REPO_ROOT, 'README.md')] + sorted(
        glob.glob(osp.join(REPO_ROOT, 'docs', '*.md')))
    text = '\n'.join(open(p, encoding='utf-8').read() for p in paths)
    return ' '.join(text.split())  # commands wrap across lines


def test_metafile_has_collections_and_models(meta):
    assert set(meta) == {'Collections', 'Models'}, (
        f'expected the keys Collections and Models, found {sorted(meta)}')
    assert meta['Collections'] and meta['Models']


def test_collections_name_papers_and_existing_code(meta):
    for coll in meta['Collections']:
        name = coll['Name']
        assert coll['Paper']['URL'].startswith('https://'), name
        assert coll['Paper']['Title'], name
        for key in ('README',):
            assert osp.isfile(osp.join(REPO_ROOT, coll[key])), (
                f'collection {name}: {key} {coll[key]} does not exist')
        code = coll['Code']['Path']
        assert osp.isfile(osp.join(REPO_ROOT, code)), (
            f'collection {name}: Code.Path {code} does not exist')


def test_every_config_path_exists(meta):
    for model in meta['Models']:
        path = osp.join(REPO_ROOT, model['Config'])
        assert osp.isfile(path), (
            f"model {model['Name']}: Config {model['Config']} does not exist")


def test_every_top_level_config_is_listed_once(meta):
    listed = [m['Config'] for m in meta['Models']]
    duplicates = sorted({c for c in listed if listed.count(c) > 1})
    assert not duplicates, f'listed more than once: {duplicates}'
    missing = sorted(set(_top_level_configs()) - set(listed))
    assert not missing, (
        f'configs/metafile.yml does not list {missing}: add a Models entry '
        'for each (Name, In Collection, Config, Metadata, Weights)')
    outside = sorted(c for c in listed if c not in _top_level_configs())
    assert not outside, (
        f'only top-level experiment configs belong in the metafile: {outside}')


def test_names_are_config_stems_and_collections_exist(meta):
    collections = {c['Name'] for c in meta['Collections']}
    names = [m['Name'] for m in meta['Models']]
    assert len(names) == len(set(names)), 'model names must be unique'
    for model in meta['Models']:
        stem = osp.splitext(osp.basename(model['Config']))[0]
        assert model['Name'] == stem, (
            f"model {model['Name']} should be named after its config {stem}")
        assert model['In Collection'] in collections, (
            f"model {model['Name']}: collection {model['In Collection']!r} "
            f'is not one of {sorted(collections)}')
        assert 'Weights' in model, f"model {model['Name']}: no Weights key"
        weights = model['Weights']
        assert weights is None or isinstance(weights, str)


def test_metadata_numbers_are_numbers(meta):
    for model in meta['Models']:
        md = model['Metadata']
        assert md.get('Training Data'), model['Name']
        for key in NUMERIC_METADATA:
            if key in md:
                assert _is_number(md[key]), (
                    f"model {model['Name']}: Metadata {key} is "
                    f'{md[key]!r}, not a number')
        for key in ('Baseline', 'Embedded Twin Of'):
            if key in md:
                assert osp.isfile(osp.join(REPO_ROOT, md[key])), (
                    f"model {model['Name']}: {key} {md[key]} does not exist")


def _results(model, key):
    entries = model.get(key) or []
    assert isinstance(entries, list), (model['Name'], key)
    return entries


def test_result_metrics_are_numbers(meta):
    for model in meta['Models']:
        for key in ('Paper Results', 'Results'):
            for entry in _results(model, key):
                assert entry['Task'] and entry['Dataset'], model['Name']
                assert entry['Metrics'], model['Name']
                for metric, value in entry['Metrics'].items():
                    assert _is_number(value), (
                        f"model {model['Name']}: {key} {metric} is "
                        f'{value!r}, not a number')
                    if (('Accuracy' in metric or 'mIoU' in metric)
                            and 'Std' not in metric and 'Minus' not in metric):
                        assert 0 <= value <= 100, (model['Name'], metric)


def test_paper_results_only_on_the_papers_datasets(meta):
    """The paper has no number on the embedded shapes: a paper reference
    there would be a ModelNet40 number passed off as another dataset's."""
    for model in meta['Models']:
        for entry in _results(model, 'Paper Results'):
            assert entry['Dataset'] in PAPER_DATASETS, (
                f"model {model['Name']}: Paper Results on {entry['Dataset']}")
            assert entry['Dataset'].split()[0] in model['Metadata'][
                'Training Data'], model['Name']


def test_measured_results_carry_their_command_and_match_the_readme(meta):
    """A measured number must be one the README (or docs/) states, with
    the command that prints it: when the README's numbers are updated,
    this fails until the metafile follows."""
    text = _docs_text()
    for model in meta['Models']:
        for entry in _results(model, 'Results'):
            name = model['Name']
            assert entry['Dataset'].startswith('Embedded'), (
                f'{name}: nothing was measured here on real data')
            command = entry['Command']
            assert command in text, (
                f'{name}: the command {command!r} is not in the README/docs')
            assert entry['Setting'], name
            metrics = entry['Metrics']
            for metric, value in metrics.items():
                if metric.endswith(' Std'):
                    continue
                std = metrics.get(metric + ' Std')
                shown = f'{value:+.1f}' if 'Minus' in metric else f'{value:.1f}'
                if std is not None:
                    shown = f'{shown} ± {std:.1f}'
                assert shown in text, (
                    f'{name}: {metric} {shown} is not stated in the README/docs')


def test_metadata_agrees_with_the_resolved_configs(meta):
    """Epochs, batch size and points as the resolved configs have them
    (tests/snapshots/config_snapshot.json; configs the snapshot does not
    hold yet are skipped)."""
    if not osp.isfile(SNAPSHOT):
        pytest.skip('no config snapshot')
    with open(SNAPSHOT, encoding='utf-8') as f:
        snapshot = json.load(f)
    for model in meta['Models']:
        cfg = snapshot.get(osp.basename(model['Config']))
        if cfg is None:
            continue
        md = model['Metadata']
        loader = cfg['train_dataloader']
        assert md['Epochs'] == cfg['train_cfg']['max_epochs'], model['Name']
        assert md['Batch Size'] == loader['batch_size'], model['Name']
        sampled = [step['num_points'] for step in loader['dataset']['pipeline']
                   if step['type'].endswith('SamplePoints')]
        assert sampled and md['Points'] == sampled[0], model['Name']
