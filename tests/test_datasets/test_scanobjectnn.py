import os

import h5py
import numpy as np
import pytest

from pointmcd_plugin.datasets import SCANOBJECTNN_CLASSES, ScanObjectNNDataset


def write_h5_files(root):
    """The structure of ScanObjectNN's h5_files release."""
    rng = np.random.default_rng(0)
    arrays = {}
    for folder, stem in (('main_split', 'objectdataset'),
                         ('main_split_nobg', 'objectdataset'),
                         ('main_split', 'objectdataset_augmentedrot_scale75')):
        os.makedirs(os.path.join(root, folder), exist_ok=True)
        for prefix in ('training', 'test'):
            data = rng.standard_normal((4, 32, 3)).astype(np.float32)
            label = rng.integers(0, 15, 4).astype(np.int64)
            path = os.path.join(root, folder, f'{prefix}_{stem}.h5')
            with h5py.File(path, 'w') as f:
                f['data'], f['label'] = data, label
                f['mask'] = np.zeros((4, 32), np.int64)
            arrays[(folder, stem, prefix)] = (data, label)
    return arrays


@pytest.mark.parametrize('variant,key', [
    ('obj_bg', ('main_split', 'objectdataset', 'training')),
    ('obj_only', ('main_split_nobg', 'objectdataset', 'training')),
    ('pb_t50_rs', ('main_split', 'objectdataset_augmentedrot_scale75',
                   'training')),
])
def test_variants_read_their_files(tmp_path, variant, key):
    arrays = write_h5_files(str(tmp_path))
    ds = ScanObjectNNDataset(str(tmp_path), variant=variant, split='train')
    data, label = arrays[key]
    assert ds.metainfo['classes'] == SCANOBJECTNN_CLASSES
    for i in range(4):
        info = ds.get_data_info(i)
        np.testing.assert_array_equal(info['points'], data[i])
        assert info['gt_label'] == label[i]


def test_missing_variant_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError,
                       match='main_split_nobg/test_objectdataset.h5'):
        ScanObjectNNDataset(str(tmp_path), variant='obj_only', split='test')
    with pytest.raises(ValueError, match='variant must be one of'):
        ScanObjectNNDataset(str(tmp_path), variant='hardest')
    with pytest.raises(FileNotFoundError, match=r'main_split_nobg/\{training'):
        ScanObjectNNDataset(str(tmp_path / 'absent'))
