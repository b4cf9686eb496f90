import glob
import json
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

from mmdet3d.registry import DATASETS

from .base import open_hdf5
from .modelnet40 import ModelNet40HDF5Dataset

SHAPENETCORE_V2_SOURCE = (
    'shapenetcorev2_hdf5_2048.zip from github.com/AnTao97/PointCloudDatasets '
    '(55 categories, 2,048 points per shape, the set FoldingNet-style '
    'auto-encoders are pre-trained on); unzip it so that data_root holds '
    '{train,val,test}<k>.h5 and their <shard>_id2name.json')


def _json_list(path: str) -> List[str]:
    with open(path) as f:
        try:
            items = json.load(f)
        except ValueError as e:
            raise ValueError(f'{path}: not valid JSON ({e}); expected a '
                             'list with one entry per shape') from e
    if not isinstance(items, list):
        raise ValueError(f'{path}: expected a JSON list (one entry per '
                         f'shape), got {type(items).__name__}')
    return items


@DATASETS.register_module()
class ShapeNetCoreV2HDF5Dataset(ModelNet40HDF5Dataset):
    """ShapeNetCore v2 in the HDF5 layout of AnTao97/PointCloudDatasets.

    ``data_root`` (``shapenetcorev2_hdf5_2048``) holds, per split
    ``s`` in train / val / test, shards ``s<k>.h5`` with ``data``
    (n, 2048, 3) float32 and ``label`` (n, 1) integer, and next to each
    shard ``s<k>_id2name.json`` (the category name of every shape) and
    ``s<k>_id2file.json`` (its source file). ``{s}_files.txt``, when
    present, lists the shards.

    The category names are taken from ``shape_names.txt`` if the folder has
    one, otherwise from the label / name pairs of every shard's
    ``_id2name.json`` (all splits, so a split missing a category still gets
    the full label space); a label with two names is an error. Samples
    carry ``points`` (2048, 3), ``gt_label``, ``sample_idx`` and, from the
    ``_id2file.json`` files, ``shape_id``.

    Args:
        data_root (str): The ``shapenetcorev2_hdf5_2048`` folder.
        split (str): ``'train'``, ``'val'``, ``'test'``, ``'trainval'`` or
            ``'all'``.
    """
    # Category names are read from the release, not assumed.
    METAINFO: dict = dict()
    SOURCE = SHAPENETCORE_V2_SOURCE
    SPLITS = ('train', 'val', 'test', 'trainval', 'all')
    SPLIT_PARTS = dict(trainval=('train', 'val'),
                       all=('train', 'val', 'test'))
    EXPECTED = '{{train,val,test}}<k>.h5 with <shard>_id2name.json'
    FILE_PREFIX = ''

    def __init__(self, data_root: str, split: str = 'train',
                 pipeline: Sequence = (), test_mode: bool = False,
                 metainfo: Optional[Dict] = None, **kwargs) -> None:
        if kwargs.get('load_normals'):
            raise ValueError('shapenetcorev2_hdf5_2048 has no normals; set '
                             'load_normals=False')
        super().__init__(data_root=data_root, split=split, pipeline=pipeline,
                         test_mode=test_mode, metainfo=metainfo, **kwargs)

    def _read_class_names(self) -> Tuple[List[str], str]:
        if osp.isfile(osp.join(self.data_root, 'shape_names.txt')):
            return super()._read_class_names()
        named_in: Dict[int, Tuple[str, str]] = {}  # label -> (name, file)
        name_files = []
        for path in sorted(glob.glob(osp.join(self.data_root, '*.h5'))):
            name_file = osp.splitext(path)[0] + '_id2name.json'
            if not osp.isfile(name_file):
                continue
            name_files.append(name_file)
            with open_hdf5(path, self.SOURCE) as f:
                if 'label' not in f:
                    raise KeyError(f'{path} has no \'label\' dataset; found '
                                   f'{list(f.keys())}')
                labels = f['label'][:].reshape(-1)
            shape_names = _json_list(name_file)
            if len(shape_names) != len(labels):
                raise ValueError(f'{name_file} names {len(shape_names)} '
                                 f'shapes but {path} has {len(labels)}')
            for label, name in zip(labels.tolist(), shape_names):
                first = named_in.setdefault(label, (name, name_file))
                if first[0] != name:
                    raise ValueError(
                        f'label {label} is named {name!r} in {name_file} '
                        f'but {first[0]!r} in {first[1]}')
        if not named_in:
            raise FileNotFoundError(
                f'{type(self).__name__}: neither shape_names.txt nor any '
                f'<shard>_id2name.json next to the *.h5 files in '
                f'{self.data_root}; they give the category names '
                f'({self.SOURCE}).')
        ids = sorted(named_in)
        if ids != list(range(len(ids))):
            missing = sorted(set(range(ids[-1] + 1)) - set(ids))
            raise ValueError(
                f'labels in {self.data_root} are not 0..{ids[-1]}: no shape '
                f'names label(s) {missing[:10]}; pass metainfo=dict('
                'classes=[...]) or add shape_names.txt')
        return ([named_in[i][0] for i in ids],
                f'the {len(name_files)} _id2name.json files')

    def _shard_extras(self, path: str, num: int) -> List[dict]:
        """``shape_id`` of each cloud, from the shard's ``_id2file.json``
        when the release has it."""
        file_json = osp.splitext(path)[0] + '_id2file.json'
        if not osp.isfile(file_json):
            return [{}] * num
        files = _json_list(file_json)
        if len(files) != num:
            raise ValueError(f'{file_json} names {len(files)} files but '
                             f'{path} has {num} shapes')
        return [dict(shape_id=str(x)) for x in files]
