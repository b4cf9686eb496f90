"""tools/compare_seeds.py end to end on a tiny spec: each run trains with
tools/train.py, is tested by tools/test.py and leaves a record; a second
call trains nothing and prints the same summary."""
import json
import os.path as osp
import subprocess
import sys

import pytest

from ..conftest import REPO_ROOT
from ..tiny_cfg import tiny_cfg_options


@pytest.mark.slow
def test_a_spec_trains_tests_records_and_continues(tiny_synthetic_root,
                                                   tmp_path):
    spec = tmp_path / 'comparisons' / 'tiny.py'
    spec.parent.mkdir()
    options = tiny_cfg_options(tiny_synthetic_root)
    options.update({'train_cfg.max_epochs': 1, 'param_scheduler.0.T_max': 1,
                    'param_scheduler.0.end': 1})
    spec.write_text(
        'seeds = [0]\n'
        f'rows = [dict(name="dgcnn", config={osp.join(REPO_ROOT, "configs", "dgcnn_synthetic.py")!r},\n'  # noqa: E501
        f'             cfg_options={options!r},\n'
        '             sweep=dict(key="optim_wrapper.optimizer.lr",\n'
        '                        values=[0.1, 0.01]))]\n')
    results = tmp_path / 'results'
    cmd = [sys.executable, osp.join(REPO_ROOT, 'tools', 'compare_seeds.py'),
           str(spec), '--results-dir', str(results), '--work-root',
           str(tmp_path / 'work'), '--json', str(tmp_path / 'summary.json')]
    first = subprocess.run(cmd, cwd=str(tmp_path), capture_output=True,
                           text=True)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert 'run 2/2: dgcnn [lr=0.01], seed 0' in first.stdout
    records = sorted(results.glob('dgcnn_synthetic/*.json'))
    assert len(records) == 2
    for path in records:
        record = json.loads(path.read_text())
        assert 0 <= record['test']['cls/overall_acc'] <= 100
        assert record['val']['step'] == 1  # the last (only) epoch
        assert osp.isfile(record['checkpoint'])
        assert 'loss_cls' in record['losses']
    summary = json.loads((tmp_path / 'summary.json').read_text())
    assert summary['chosen']['dgcnn'] in ('dgcnn [lr=0.1]', 'dgcnn [lr=0.01]')
    again = subprocess.run(cmd, cwd=str(tmp_path), capture_output=True,
                           text=True)
    assert again.returncode == 0, again.stderr[-3000:]
    assert '[compare] run' not in again.stdout  # nothing trained again
    table = first.stdout[first.stdout.index('| row |'):]
    assert table == again.stdout[again.stdout.index('| row |'):]
