import os.path as osp
from typing import List, Tuple

from mmdet3d.registry import DATASETS

from .hdf5_shards import HDF5ShardDataset

# Label order of the ScanObjectNN release (it ships no names file).
SCANOBJECTNN_CLASSES = ('bag', 'bin', 'box', 'cabinet', 'chair', 'desk',
                        'display', 'door', 'shelf', 'table', 'bed', 'pillow',
                        'sink', 'sofa', 'toilet')

# variant -> (folder under h5_files, file stem)
SCANOBJECTNN_VARIANTS = {
    'obj_bg': ('main_split', 'objectdataset'),
    'obj_only': ('main_split_nobg', 'objectdataset'),
    'pb_t50_rs': ('main_split', 'objectdataset_augmentedrot_scale75'),
}


@DATASETS.register_module()
class ScanObjectNNDataset(HDF5ShardDataset):
    """ScanObjectNN (Uy et al. 2019) from its HDF5 release.

    ``data_root`` is the release's ``h5_files`` folder; the variant picks
    ``<folder>/{training,test}_<stem>.h5`` (``data`` (n, 2048, 3),
    ``label`` (n,)): ``'obj_bg'`` (objects with background, the PointMCD
    setting), ``'obj_only'`` or ``'pb_t50_rs'`` (the hardest perturbed
    variant). The release has no normals and no shape ids: a sample's
    ``shape_id`` is ``<folder>/<file>:<row>``.

    Args:
        data_root (str): The ``h5_files`` folder.
        variant (str): One of ``SCANOBJECTNN_VARIANTS``.
        split (str): ``'train'`` or ``'test'``.
    """
    METAINFO = dict(classes=SCANOBJECTNN_CLASSES)
    SOURCE = ('the ScanObjectNN h5_files release (request access from its '
              'authors); data_root is the h5_files folder holding '
              'main_split/ and main_split_nobg/')
    EXPECTED = ('main_split/{{training,test}}_*.h5 and '
                'main_split_nobg/{{training,test}}_*.h5')

    def __init__(self, data_root: str, variant: str = 'obj_bg',
                 **kwargs) -> None:
        if variant not in SCANOBJECTNN_VARIANTS:
            raise ValueError(f'variant must be one of '
                             f'{sorted(SCANOBJECTNN_VARIANTS)}, got '
                             f'{variant!r}')
        self.variant = variant
        super().__init__(data_root=data_root, **kwargs)

    def _part_files(self, part: str) -> List[str]:
        folder, stem = SCANOBJECTNN_VARIANTS[self.variant]
        prefix = 'training' if part == 'train' else 'test'
        path = osp.join(self.data_root, folder, f'{prefix}_{stem}.h5')
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'{type(self).__name__}({self.variant!r}): {path} is missing '
                f'({self.SOURCE}).')
        return [path]

    def _read_class_names(self) -> Tuple[List[str], str]:
        return list(self.metainfo['classes']), 'SCANOBJECTNN_CLASSES'
