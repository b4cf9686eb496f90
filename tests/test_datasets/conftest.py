import pytest
from mmengine.registry import init_default_scope


@pytest.fixture(autouse=True)
def mmdet3d_scope():
    """Pipelines name transforms by their bare names, as the configs do
    under default_scope='mmdet3d'; so each test file runs on its own."""
    init_default_scope('mmdet3d')
