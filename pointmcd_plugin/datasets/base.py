import contextlib
import os
import os.path as osp
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import h5py
import numpy as np
from mmengine.dataset import BaseDataset


def read_text_rows(path: str,
                   columns: Sequence[str],
                   delimiter: Optional[str] = None,
                   max_rows: Optional[int] = None,
                   source: str = '') -> np.ndarray:
    """(rows, len(columns)) float32 array from a text file of numbers.

    Every failure names the file and the expected row format: a missing
    file, a file numpy cannot parse (truncated, another delimiter, ragged
    rows), the wrong number of columns, or no rows at all.

    Args:
        path (str): The file.
        columns (Sequence[str]): Names of the expected columns.
        delimiter (str, optional): Column separator; None for whitespace.
        max_rows (int, optional): Read only the first rows.
        source (str): Where the release comes from, for the messages.
    """
    sep = {None: ' ', ',': ',', ';': ';'}.get(delimiter, delimiter)
    expected = f'rows "{sep.join(columns)}" ({len(columns)} columns)'
    where = f' ({source})' if source else ''
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} is missing; expected a file of '
                                f'{expected}{where}')
    try:
        rows = np.loadtxt(path, dtype=np.float32, ndmin=2,
                          delimiter=delimiter, max_rows=max_rows)
    except (OSError, ValueError) as e:
        raise ValueError(f'{path}: cannot be read as {expected}: {e}. Is '
                         f'the file truncated or in another format?{where}'
                         ) from e
    if rows.shape[0] == 0:
        raise ValueError(f'{path} is empty; expected {expected}{where}')
    if rows.shape[1] != len(columns):
        raise ValueError(f'{path}: expected {expected}, got '
                         f'{rows.shape[1]} columns{where}')
    return rows


@contextlib.contextmanager
def open_hdf5(path: str, source: str = '') -> Iterator[h5py.File]:
    """Open (and read inside) an HDF5 file; h5py's errors, which name no
    file ("truncated file", "file signature not found"), are re-raised
    naming it."""
    try:
        with h5py.File(path, 'r') as f:
            yield f
    except OSError as e:
        where = f' ({source})' if source else ''
        raise OSError(f'{path}: cannot be read as HDF5: {e}. The file is '
                      'probably truncated or corrupt: download it again'
                      f'{where}') from e


class ShapeDataset(BaseDataset):
    """Base of the shape-level datasets: one split of a release on disk.

    Holds what every loader here shares: the split check, a ``data_root``
    that must exist, reading a listing file (one entry per non-empty line)
    with an error that names the file, what was expected and where the
    release is published, adopting the class names a release lists after
    checking them against the metainfo, and checks of the built data list
    before any training starts: a split with no samples is an error naming
    its listing, and every per-sample file (the info keys ending in
    ``_path`` or ``_paths``) must exist, else one error counts and names
    the missing ones.

    Subclasses set ``SOURCE`` (where the release comes from), ``EXPECTED``
    (the files ``data_root`` holds) and, if other than train/test,
    ``SPLITS`` and ``SPLIT_PARTS`` (splits made of several of the release's
    splits, e.g. trainval); they set their own attributes before calling
    ``super().__init__``, which loads the data list, and record in
    ``self._listing`` what defined the split (for messages).
    """
    SOURCE: str = ''
    EXPECTED: str = 'the files of the release'
    SPLITS = ('train', 'test')
    SPLIT_PARTS: Dict[str, Tuple[str, ...]] = {}
    # Samples named in a missing-file error (all are counted).
    MAX_MISSING_SHOWN = 10
    # What to do about a missing per-sample file, by data-list key
    # (default: a partial download).
    MISSING_HINTS: Dict[str, str] = {}

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
        self._listing = f'the {split} split of the release'
        super().__init__(data_root=data_root, pipeline=pipeline,
                         test_mode=test_mode, metainfo=metainfo, **kwargs)

    def _expected(self) -> str:
        return self.EXPECTED.format(split=self.split)

    def full_init(self) -> None:
        if not self._fully_initialized and not osp.isdir(self.data_root):
            raise FileNotFoundError(
                f'{type(self).__name__}: data_root {self.data_root!r} does '
                f'not exist or is not a folder. Expected '
                f'{self._expected()} there ({self.SOURCE}).')
        super().full_init()

    def filter_data(self) -> List[dict]:
        """The loaded data list, checked (see the class docstring)."""
        data_list = super().filter_data()
        if not data_list:
            raise ValueError(
                f'{type(self).__name__}: the {self.split!r} split under '
                f'{self.data_root} has no samples: {self._listing} lists '
                'none. Is the file empty or the download incomplete? '
                f'({self.SOURCE})')
        self._check_sample_files(data_list)
        return data_list

    def _check_sample_files(self, data_list: List[dict]) -> None:
        """Every per-sample file the data list names exists; else one error
        per kind of file (info key) that counts the samples missing it and
        names the first of them. Each folder is listed once (not one
        ``stat`` per file: the authors' ModelNet40 layout names about 15
        files per shape), so the check stays cheap on network storage."""
        listings: Dict[str, set] = {}

        def exists(path: str) -> bool:
            folder, name = osp.split(path)
            if folder not in listings:
                try:
                    listings[folder] = {
                        e.name for e in os.scandir(folder or '.')
                        if e.is_file()}
                except (FileNotFoundError, NotADirectoryError):
                    listings[folder] = set()
            return name in listings[folder]

        missing: Dict[str, List[Tuple[str, str]]] = {}
        for info in data_list:
            for key, value in info.items():
                if key.endswith('_path') and isinstance(value, str):
                    paths = [value]
                elif key.endswith('_paths') and isinstance(value, list):
                    paths = value
                else:
                    continue
                lost = [p for p in paths if not exists(p)]
                if lost:
                    name = str(info.get('shape_id', info.get('sample_idx')))
                    missing.setdefault(key, []).append((name, lost[0]))
        if not missing:
            return
        parts = []
        for key, lost in missing.items():
            shown = '\n  '.join(f'{name}: {path}' for name, path in
                                 lost[:self.MAX_MISSING_SHOWN])
            more = len(lost) - self.MAX_MISSING_SHOWN
            parts.append(
                f'{len(lost)} of {len(data_list)} samples that '
                f'{self._listing} lists for the {self.split!r} split miss '
                f'their {key.replace("_", " ")}:\n  {shown}' +
                (f'\n  ... and {more} more' if more > 0 else '') + '\n' +
                self.MISSING_HINTS.get(
                    key, 'A partial download? Get the complete release '
                    f'({self.SOURCE}), or list only the shapes you have.'))
        raise FileNotFoundError(f'{type(self).__name__} under '
                                f'{self.data_root}: ' + '\n'.join(parts))

    def _split_parts(self) -> Tuple[str, ...]:
        """The release's splits that make up ``self.split``."""
        return self.SPLIT_PARTS.get(self.split, (self.split, ))

    def _read_lines(self, name: str, expected: Optional[str] = None
                    ) -> List[str]:
        """Non-empty stripped lines of ``data_root/name``.

        ``expected`` (default ``EXPECTED``) describes the release's files
        for the error raised when ``name`` is missing.
        """
        path = osp.join(self.data_root, name)
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'{type(self).__name__}: {path} is missing. Expected '
                f'{expected or self._expected()} under data_root '
                f'({self.SOURCE}).')
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
