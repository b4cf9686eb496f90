import os.path as osp
from typing import Dict, List, Tuple

from mmdet3d.registry import DATASETS

from .base import ShapeDataset
from .fileio import read_json_list
from .transforms.loading import NORMALS, XYZ, point_file_format

# Categories of ShapeNetPart in the order of synsetoffset2category.txt and
# their part ids in the shared 50-part label space.
SHAPENETPART_PART_IDS: Dict[str, Tuple[int, ...]] = {
    'Airplane': (0, 1, 2, 3),
    'Bag': (4, 5),
    'Cap': (6, 7),
    'Car': (8, 9, 10, 11),
    'Chair': (12, 13, 14, 15),
    'Earphone': (16, 17, 18),
    'Guitar': (19, 20, 21),
    'Knife': (22, 23),
    'Lamp': (24, 25, 26, 27),
    'Laptop': (28, 29),
    'Motorbike': (30, 31, 32, 33, 34, 35),
    'Mug': (36, 37),
    'Pistol': (38, 39, 40),
    'Rocket': (41, 42, 43),
    'Skateboard': (44, 45, 46),
    'Table': (47, 48, 49),
}

SHAPENETPART_SOURCE = (
    'shapenetcore_partanno_segmentation_benchmark_v0_normal.zip (the '
    'ShapeNetPart release with normals used by PointNet++ and DGCNN); unzip '
    'it so that data_root holds synsetoffset2category.txt, train_test_split/ '
    'and one folder per synset')


@DATASETS.register_module()
class ShapeNetPartDataset(ShapeDataset):
    """Part segmentation data in the ShapeNetPart (normal) layout.

    ``data_root`` holds ``synsetoffset2category.txt`` (``<Category>\\t<synset>``
    per line), ``train_test_split/shuffled_{train,val,test}_file_list.json``
    (entries ``shape_data/<synset>/<shape>``) and ``<synset>/<shape>.txt``
    files with rows ``x y z nx ny nz part``. The data list names each
    shape's file (``pts_path``, with ``pts_format``); the pipeline reads it
    with ``LoadShapePoints``, which adds ``points`` (P, 6) float32 (xyz and
    unit normals) and ``pts_part_label`` (P,) int64 part ids in the shared
    label space, checked against the category's. The data list has
    ``category`` (int, index into ``classes``), ``part_ids`` (the
    category's part ids, which a part segmentor restricts its prediction
    to; ``PackPartSegInputs`` puts both into the data sample's metainfo)
    and ``shape_id``.

    Args:
        data_root (str): Folder of the release.
        split (str): ``'train'``, ``'val'``, ``'test'`` or ``'trainval'``.
        metainfo (dict, optional): ``classes`` (category names in label
            order) and ``part_ids`` (category -> part ids). Defaults to the
            16 ShapeNetPart categories and their 50 parts.
    """
    METAINFO = dict(classes=tuple(SHAPENETPART_PART_IDS),
                    part_ids=SHAPENETPART_PART_IDS)
    SOURCE = SHAPENETPART_SOURCE
    EXPECTED = ('synsetoffset2category.txt, train_test_split/ and the '
                'synset folders')
    COLUMNS = ('x', 'y', 'z', 'nx', 'ny', 'nz', 'part')
    SPLITS = ('train', 'val', 'test', 'trainval')
    SPLIT_PARTS = dict(trainval=('train', 'val'))
    LABEL_KEY = 'category'

    def _read_categories(self) -> Dict[str, str]:
        """synset -> category name, checked against the metainfo."""
        name = 'synsetoffset2category.txt'
        synsets = {}
        for line in self._read_lines(name):
            fields = line.split()
            if len(fields) != 2:
                raise ValueError(f'{name}: expected lines "<Category> '
                                 f'<synset>", got {line!r}')
            synsets[fields[1]] = fields[0]
        unknown = set(synsets.values()) - set(self.metainfo['classes'])
        if unknown:
            raise ValueError(
                f'{name} lists categories {sorted(unknown)} that are not in '
                f'{type(self).__name__} classes {self.metainfo["classes"]}; '
                'pass metainfo=dict(classes=..., part_ids=...)')
        return synsets

    def load_data_list(self) -> List[dict]:
        synsets = self._read_categories()
        classes = list(self.metainfo['classes'])
        formats = {
            name: point_file_format(
                self.COLUMNS, channels=XYZ + NORMALS,
                part_ids=self.metainfo['part_ids'][name], category=name,
                source=self.SOURCE)
            for name in classes}
        data_list = []
        listings = []
        for split in self._split_parts():
            path = osp.join(self.data_root, 'train_test_split',
                            f'shuffled_{split}_file_list.json')
            listings.append(path)
            entries = read_json_list(
                path, 'a list of "shape_data/<synset>/<shape>"',
                backend_args=self.backend_args, source=self.SOURCE)
            for entry in entries:
                parts = entry.split('/') if isinstance(entry, str) else []
                if len(parts) != 3 or parts[1] not in synsets:
                    raise ValueError(
                        f'{path}: entry {entry!r} is not '
                        '"shape_data/<synset>/<shape>" with a synset listed '
                        'in synsetoffset2category.txt')
                _, synset, shape = parts
                category = synsets[synset]
                data_list.append(dict(
                    pts_path=osp.join(self.data_root, synset, shape + '.txt'),
                    pts_format=formats[category], shape_id=shape,
                    category=classes.index(category),
                    part_ids=tuple(self.metainfo['part_ids'][category])))
        self._listing = ' and '.join(listings)
        for i, info in enumerate(data_list):
            info['sample_idx'] = i
        return data_list
