"""pointmcd-plugin: PointMCD multi-view cross-modal distillation for OpenMMLab.

The compiled stack (torch, mmcv with ops, mmdet3d without its unresolvable
pins) is installed by ``tools/install.sh``; ``install_requires`` lists only
what pip can resolve on its own, so ``pip install -e .`` never replaces it.
"""
import os.path as osp

from setuptools import find_packages, setup


def get_version() -> str:
    version_file = osp.join(osp.dirname(__file__), 'pointmcd_plugin',
                            'version.py')
    scope: dict = {}
    with open(version_file) as f:
        exec(compile(f.read(), version_file, 'exec'), scope)
    return scope['__version__']


setup(
    name='pointmcd-plugin',
    version=get_version(),
    description='PointMCD multi-view cross-modal distillation for '
    'mmdet3d / mmengine / mmpretrain',
    long_description=open(osp.join(osp.dirname(__file__), 'README.md'),
                          encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    license='Apache License 2.0',
    packages=find_packages(exclude=('configs', 'tools', 'tests')),
    python_requires='>=3.8',
    install_requires=[
        'mmengine>=0.10.0,<1.0.0',
        'mmcv>=2.0.0,<2.2.0',
        'mmdet>=3.0.0,<3.4.0',
        'mmdet3d>=1.1.0,<1.5.0',
        'mmpretrain>=1.0.0',
        'numpy',
        'h5py',
        'scikit-learn',
        'trimesh',
    ],
    zip_safe=False,
)
