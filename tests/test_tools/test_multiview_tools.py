"""The multi-view tools run end to end (slow: run with --runslow)."""
import sys

import matplotlib.image as mpimg
import pytest

from .test_train_e2e import run


@pytest.mark.slow
def test_visualize_views_writes_one_grid_per_sample(tmp_path):
    out = run([sys.executable, 'tools/visualize_views.py', '--synthetic',
               'table', 'mug', '--num-points', '512', '--out-dir',
               str(tmp_path)])
    for name in ('table', 'mug'):
        png = tmp_path / f'{name}.png'
        assert str(png) in out and png.is_file()
        img = mpimg.imread(str(png))
        assert img.shape[0] > 400 and img.shape[1] > 400
        assert img[..., :3].std() > 0.05  # not a blank page


@pytest.mark.slow
def test_benchmark_prints_a_table(tmp_path):
    out = run([sys.executable, 'tools/benchmark_pipeline.py', '--samples',
               '2', '--data-root', str(tmp_path)])
    rows = [line.split() for line in out.splitlines()
            if line.strip().startswith(('1024', '2048'))]
    assert len(rows) == 5
    assert all(float(r[-2]) > 0 for r in rows)
