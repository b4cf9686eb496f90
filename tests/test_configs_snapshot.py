"""Every configs/*.py resolves to the config recorded in
tests/snapshots/config_snapshot.json: a config rewritten as a delta of its
bases is proven to resolve to what it did before.

The snapshot holds every resolved key (``Config.to_dict()``, JSON with
sorted keys, ``default=str``) with one normalisation: the repository's
absolute path (what ``{{ fileDirname }}`` expands to) is written
``<repo>``, so that it holds on any checkout. It was recorded before the
PointMCD configs became deltas of their baselines; since then the online
twins name their teacher by its absolute path and checkpoint by the
teacher's work dir, and the PointMCD configs carry the building blocks of
_base_/pointmcd/cls_distill.py (``distiller``, ``load_knowledge``,
``online_views``); the ModelNet40 / ScanObjectNN configs validate on a
held-out tenth of their training split (``val_holdout``) and the
PointNet ModelNet40 recipe has the feature transform. After an intended
change of a resolved config, rewrite
it with ``python -m tests.test_configs_snapshot`` (from the repository
root) and review the diff: every changed line is a changed config.
"""
import glob
import json
import os.path as osp

import pytest
from mmengine.config import Config

from .conftest import REPO_ROOT

SNAPSHOT = osp.join(osp.dirname(osp.abspath(__file__)), 'snapshots',
                    'config_snapshot.json')
CONFIGS = sorted(glob.glob(osp.join(REPO_ROOT, 'configs', '*.py')))
REPO = '<repo>'


def _normalise(value):
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_normalise(v) for v in value]
    if isinstance(value, str):
        return value.replace(REPO_ROOT, REPO)
    return value


def resolved(path: str) -> dict:
    """The config at ``path`` as the snapshot records it (the plugin is not
    imported: resolving a config does not depend on it)."""
    cfg = Config.fromfile(path, import_custom_modules=False).to_dict()
    return _normalise(json.loads(json.dumps(cfg, sort_keys=True,
                                            default=str)))


def load_snapshot() -> dict:
    with open(SNAPSHOT) as f:
        return json.load(f)


def test_the_snapshot_covers_every_config():
    assert sorted(load_snapshot()) == [osp.basename(p) for p in CONFIGS], (
        'a config was added or removed: record it with '
        '`python -m tests.test_configs_snapshot` and review the diff')


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_resolves_to_its_snapshot(path):
    expected = load_snapshot().get(osp.basename(path))
    if expected is None:
        pytest.fail(f'{osp.basename(path)} is not in {SNAPSHOT}')
    found = resolved(path)
    changed = sorted(k for k in expected.keys() | found.keys()
                     if expected.get(k) != found.get(k))
    assert not changed, (
        f'{osp.basename(path)} resolves differently from its snapshot in '
        f'{changed}; if intended, rewrite the snapshot with '
        '`python -m tests.test_configs_snapshot` and review the diff')


def _write_snapshot() -> None:
    snapshot = {osp.basename(p): resolved(p) for p in CONFIGS}
    with open(SNAPSHOT, 'w') as f:
        json.dump(snapshot, f, sort_keys=True, indent=1)
        f.write('\n')


if __name__ == '__main__':
    _write_snapshot()
