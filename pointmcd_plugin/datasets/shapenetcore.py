import glob
import os.path as osp
from typing import Dict, List, Tuple

from mmdet3d.registry import DATASETS

from .fileio import open_hdf5, read_json_list
from .hdf5_shards import HDF5ShardDataset

SHAPENETCORE_V2_SOURCE = (
    'shapenetcorev2_hdf5_2048.zip from github.com/AnTao97/PointCloudDatasets '
    '(55 categories, 2,048 points per shape, the set FoldingNet-style '
    'auto-encoders are pre-trained on); unzip it so that data_root holds '
    '{train,val,test}<k>.h5 and their <shard>_id2name.json')


@DATASETS.register_module()
class ShapeNetCoreV2HDF5Dataset(HDF5ShardDataset):
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
    ID_FILE = '{prefix}{index}_id2file.json'

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
            shape_names = read_json_list(name_file, 'the category name of '
                                         'every shape', source=self.SOURCE)
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

    def _shape_id(self, entry) -> str:
        """The release's entry as it is (model ids repeat across
        categories)."""
        return str(entry)
