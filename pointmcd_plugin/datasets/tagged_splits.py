"""Several splits of a dataset in one loader, each sample tagged with its
split: what a probe that fits on one split and scores another (the
linear-SVM evaluation of an auto-encoder) reads through mmengine's loops."""
from typing import Dict, List, Union

from mmdet3d.registry import DATASETS
from mmengine.dataset import BaseDataset, ConcatDataset

# Metainfo keys the wrapper adds to every packed data sample.
SPLIT_KEY = 'split'
INDEX_KEY = 'concat_idx'


@DATASETS.register_module()
class TaggedSplitsDataset(ConcatDataset):
    """mmengine's ``ConcatDataset`` of named splits whose samples carry
    their split's name.

    ``datasets`` maps a split name to a dataset (or its config), e.g.
    ``dict(train=dict(type='ModelNet40HDF5Dataset', split='train', ...),
    test=dict(..., split='test'))``; the samples are those of the splits
    in that order. After a split's own pipeline has packed a sample
    (``dict(inputs, data_samples)``, e.g. ``PackPointInputs``), the data
    sample's metainfo gets ``split`` (the name) and ``concat_idx`` (the
    sample's index in this dataset, a total order independent of how a
    distributed sampler shards it). :class:`LinearSVMMetric` reads both:
    it fits on one split and scores another, in ``compute_metrics``, after
    mmengine has gathered every rank's results.

    The splits must share their metainfo (same classes), as
    ``ConcatDataset`` checks.

    Args:
        datasets (dict): Split name -> dataset or dataset config.
        lazy_init (bool): As in ``ConcatDataset``.
    """

    def __init__(self,
                 datasets: Dict[str, Union[BaseDataset, Dict]],
                 lazy_init: bool = False) -> None:
        if not isinstance(datasets, dict) or not datasets:
            raise TypeError(
                'TaggedSplitsDataset: datasets must be a non-empty dict of '
                'split name -> dataset config, e.g. dict(train=dict(...), '
                f'test=dict(...)); got {type(datasets).__name__}')
        self.split_names: List[str] = [str(name) for name in datasets]
        built = [DATASETS.build(d) if isinstance(d, dict) else d
                 for d in datasets.values()]
        super().__init__(built, lazy_init=lazy_init)

    def split_of(self, idx: int) -> str:
        """Name of the split sample ``idx`` comes from."""
        return self.split_names[self._get_ori_dataset_idx(idx)[0]]

    def __getitem__(self, idx: int) -> Dict:
        if idx < 0:
            idx += len(self)
        packed = super().__getitem__(idx)
        sample = packed.get('data_samples') if isinstance(packed, dict) \
            else None
        if sample is None or not hasattr(sample, 'set_metainfo'):
            raise TypeError(
                f'TaggedSplitsDataset: split {self.split_of(idx)!r} must end '
                'its pipeline with a packer that returns dict(inputs, '
                "data_samples) (e.g. dict(type='PackPointInputs')), got "
                f'{type(packed).__name__}')
        sample.set_metainfo({SPLIT_KEY: self.split_of(idx), INDEX_KEY: idx})
        return packed
