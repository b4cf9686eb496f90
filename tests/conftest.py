import os
import os.path as osp

import pytest

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))

# Under pytest-xdist (pytest.ini runs `-n auto`: one worker per core), each
# worker gets its share of the cores, for its own torch and for the tools
# its end-to-end tests start (they inherit the environment): set before
# torch is first imported, so that its thread pools are sized by it.
if 'PYTEST_XDIST_WORKER_COUNT' in os.environ:
    _threads = str(max(1, (os.cpu_count() or 1) //
                       int(os.environ['PYTEST_XDIST_WORKER_COUNT'])))
    for _var in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
        os.environ.setdefault(_var, _threads)

# A tiny synthetic set shared by the tests: 12 classes x (4 + 2 + 2)
# train / validation / test shapes.
TINY_GENERATE = dict(seed=0, num_train_per_class=4, num_val_per_class=2,
                     num_test_per_class=2, num_points=256)


def pytest_addoption(parser):
    parser.addoption('--runslow', action='store_true', default=False,
                     help='also run the slow tests (CI does)')


def pytest_configure(config):
    config.addinivalue_line(
        'markers', 'slow: end-to-end run (minutes) or full-size model; run '
        'with --runslow')


def pytest_collection_modifyitems(config, items):
    if config.getoption('--runslow'):
        return
    skip = pytest.mark.skip(reason='slow test: use --runslow')
    for item in items:
        if 'slow' in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope='session')
def tiny_synthetic_root(tmp_path_factory):
    """Root of a tiny generated synthetic set (cls, partseg and core)."""
    from pointmcd_plugin.datasets.synthetic import generate
    root = str(tmp_path_factory.mktemp('synthetic'))
    generate(root, tasks=('cls', 'partseg', 'core'), seed=0,
             cls={k: v for k, v in TINY_GENERATE.items() if k != 'seed'},
             partseg=dict(num_train_per_class=2, num_val_per_class=1,
                          num_test_per_class=1, num_points=256),
             core=dict(num_train_per_class=2, num_val_per_class=1,
                       num_test_per_class=1, num_points=256))
    return root


# The part-segmentation set tiny_synthetic_root generates (12 categories x
# (2 + 1 + 1) shapes of 256 points); a loader asking for other arguments
# fails loudly (the generator refuses a folder written with others).
TINY_PARTSEG_GENERATE = dict(seed=0, num_train_per_class=2,
                             num_val_per_class=1, num_test_per_class=1,
                             num_points=256)
