import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

from mmengine.dataset import BaseDataset


class ShapeDataset(BaseDataset):
    """Base of the shape-level datasets: one split of a release on disk.

    Holds what every loader here shares: the split check, reading a listing
    file (one entry per non-empty line) with an error that names the file,
    what was expected and where the release is published, and adopting the
    class names a release lists after checking them against the metainfo.

    Subclasses set ``SOURCE`` (where the release comes from) and, if other
    than train/test, ``SPLITS`` and ``SPLIT_PARTS`` (splits made of several
    of the release's splits, e.g. trainval); they set their own attributes
    before calling ``super().__init__``, which loads the data list.
    """
    SOURCE: str = ''
    SPLITS = ('train', 'test')
    SPLIT_PARTS: Dict[str, Tuple[str, ...]] = {}

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 pipeline: Sequence = (),
                 test_mode: bool = False,
                 metainfo: Optional[Dict] = None,
                 **kwargs) -> None:
        if split not in self.SPLITS:
            raise ValueError(f'split must be one of {self.SPLITS}, got '
                             f'{split!r}')
        self.split = split
        super().__init__(data_root=data_root, pipeline=pipeline,
                         test_mode=test_mode, metainfo=metainfo, **kwargs)

    def _split_parts(self) -> Tuple[str, ...]:
        """The release's splits that make up ``self.split``."""
        return self.SPLIT_PARTS.get(self.split, (self.split, ))

    def _read_lines(self, name: str, expected: str) -> List[str]:
        """Non-empty stripped lines of ``data_root/name``.

        ``expected`` describes the release's files for the error raised when
        ``name`` is missing.
        """
        path = osp.join(self.data_root, name)
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'{type(self).__name__}: {path} is missing. Expected '
                f'{expected} under data_root ({self.SOURCE}).')
        with open(path) as f:
            return [line.strip() for line in f if line.strip()]

    def _adopt_classes(self, names: List[str], source: str) -> List[str]:
        """Check class names read from ``source`` against the metainfo's
        and make them the dataset's classes."""
        expected = list(self.metainfo.get('classes') or [])
        if expected and list(names) != expected:
            raise ValueError(
                f'{source} lists {len(names)} classes {list(names)[:5]}..., '
                f'but {type(self).__name__} expects {len(expected)} classes '
                f'{expected[:5]}...; pass metainfo=dict(classes=[...]) that '
                'matches the file.')
        self._metainfo['classes'] = tuple(names)
        return list(names)
