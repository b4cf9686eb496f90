import hashlib
import os
import os.path as osp
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from mmengine import fileio
from mmengine.dataset import BaseDataset

from .fileio import read_lines


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

    Datasets list paths and ids; per-sample files are read by the
    pipeline's ``Load*`` transforms (HDF5 releases are held in memory and
    put ``points`` into the info themselves). Every sample carries
    ``sample_idx``, ``shape_id`` (from the release's own files where it
    has them) and its class under ``LABEL_KEY``.

    Subclasses set ``SOURCE`` (where the release comes from), ``EXPECTED``
    (the files ``data_root`` holds) and, if other than train/test,
    ``SPLITS`` and ``SPLIT_PARTS`` (splits made of several of the release's
    splits, e.g. trainval); they set their own attributes before calling
    ``super().__init__``, which loads the data list (of the release's
    split ``self.release_split``), and record in ``self._listing`` what
    defined the split (for messages).

    Releases without a validation split (ModelNet40, ScanObjectNN) can hold
    one out of their training split: with ``val_holdout=dict(fraction=0.1,
    seed=0)``, split ``'val'`` is that fraction of each class of the
    release's training split and ``'train'`` the rest (see
    :func:`holdout_mask`); ``'test'`` is unchanged. Give both datasets the
    same ``val_holdout``.
    """
    SOURCE: str = ''
    EXPECTED: str = 'the files of the release'
    SPLITS = ('train', 'test')
    SPLIT_PARTS: Dict[str, Tuple[str, ...]] = {}
    # Info key of the class index (get_cat_ids, class-balanced samplers).
    LABEL_KEY = 'gt_label'
    # Samples named in a missing-file error (all are counted).
    MAX_MISSING_SHOWN = 10
    # What to do about a missing per-sample file, by data-list key
    # (default: a partial download).
    MISSING_HINTS: Dict[str, str] = {}
    # The transform that reads each kind of per-sample file.
    LOADERS = dict(pts_path='LoadShapePoints', img_paths='LoadMultiViewImages',
                   vis_path='LoadViewVisibility',
                   view_label_paths='LoadViewPartLabels',
                   descriptor_path='LoadTeacherKnowledge')

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 pipeline: Sequence = (),
                 test_mode: bool = False,
                 metainfo: Optional[Dict] = None,
                 backend_args: Optional[Dict] = None,
                 val_holdout: Optional[Dict] = None,
                 **kwargs) -> None:
        splits = self.SPLITS
        if val_holdout is not None:
            if 'val' in self.SPLITS:
                raise ValueError(
                    f'{type(self).__name__} has a validation split of its '
                    'own (split=\'val\'); val_holdout is for releases '
                    'without one')
            if set(val_holdout) != {'fraction', 'seed'} or not (
                    0 < val_holdout['fraction'] < 1):
                raise ValueError(
                    'val_holdout must be dict(fraction=f, seed=s) with '
                    f'0 < f < 1, got {val_holdout}')
            splits = tuple(self.SPLITS) + ('val', )
        if split not in splits:
            hint = (' (a release without a validation split: hold one out '
                    'of train with val_holdout=dict(fraction=0.1, seed=0))'
                    if split == 'val' else '')
            raise ValueError(f'split must be one of {splits}, got '
                             f'{split!r}{hint}')
        self.split = split
        self.val_holdout = val_holdout
        # The release's split the data list is read from.
        self.release_split = 'train' if (
            val_holdout is not None and split == 'val') else split
        self.backend_args = backend_args
        self._listing = f'the {split} split of the release'
        super().__init__(data_root=data_root, pipeline=pipeline,
                         test_mode=test_mode, metainfo=metainfo, **kwargs)

    def _expected(self) -> str:
        return self.EXPECTED.format(split=self.split)

    def full_init(self) -> None:
        if not self._fully_initialized and not fileio.isdir(
                self.data_root, backend_args=self.backend_args):
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
        self._check_pipeline_reads(data_list[0])
        if self.val_holdout is not None and self.release_split == 'train':
            held = holdout_mask([d['shape_id'] for d in data_list],
                                [d[self.LABEL_KEY] for d in data_list],
                                **self.val_holdout)
            keep = self.split == 'val'
            data_list = [d for d, h in zip(data_list, held) if h == keep]
            if not data_list:
                raise ValueError(
                    f'{type(self).__name__}: val_holdout={self.val_holdout} '
                    f'leaves the {self.split!r} split under {self.data_root} '
                    'without samples (no class has two shapes to split)')
            for i, info in enumerate(data_list):
                info['sample_idx'] = i
            part = 'held-out' if keep else 'all but the held-out'
            self._listing += (f' ({part} {self.val_holdout["fraction"]:g} '
                              f'per class, seed {self.val_holdout["seed"]})')
        return data_list

    def _check_pipeline_reads(self, info: dict) -> None:
        """A non-empty pipeline must read every kind of file the data list
        names (else the files would be listed, checked and never read)."""
        names = set()
        stack = list(getattr(self.pipeline, 'transforms', []))
        while stack:
            t = stack.pop()
            names.add(type(t).__name__)
            stack += list(getattr(t, 'transforms', []) or [])
        if not names:
            return
        for key, loader in self.LOADERS.items():
            if key in info and loader not in names:
                raise ValueError(
                    f'{type(self).__name__} lists each sample\'s {key} but '
                    f'its pipeline does not read it: add '
                    f'dict(type={loader!r}) to the pipeline (before the '
                    'transforms that use what it loads)')

    def _check_sample_files(self, data_list: List[dict]) -> None:
        """Every per-sample file the data list names exists; else one error
        per kind of file (info key) that counts the samples missing it and
        names the first of them. Each folder is listed once (not one
        ``stat`` per file: the authors' ModelNet40 layout names about 15
        files per shape), so the check stays cheap on network storage."""
        exists = self._exists_check()
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

    def _exists_check(self) -> Callable[[str], bool]:
        """A file-existence test for many paths: on local storage each
        folder is listed once, elsewhere each file is asked for."""
        backend = fileio.get_file_backend(self.data_root,
                                          backend_args=self.backend_args)
        if not isinstance(backend, fileio.LocalBackend):
            return lambda path: fileio.exists(path, self.backend_args)
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
        return exists

    def _split_parts(self) -> Tuple[str, ...]:
        """The release's splits that make up ``self.release_split``."""
        return self.SPLIT_PARTS.get(self.release_split,
                                    (self.release_split, ))

    def _read_lines(self, name: str, expected: Optional[str] = None
                    ) -> List[str]:
        """Non-empty stripped lines of ``data_root/name``.

        ``expected`` (default ``EXPECTED``) describes the release's files
        for the error raised when ``name`` is missing.
        """
        path = osp.join(self.data_root, name)
        try:
            return read_lines(path, 'a listing file',
                              backend_args=self.backend_args)
        except FileNotFoundError as e:
            raise FileNotFoundError(
                f'{type(self).__name__}: {path} is missing. Expected '
                f'{expected or self._expected()} under data_root '
                f'({self.SOURCE}).') from e

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

    def get_cat_ids(self, idx: int) -> List[int]:
        """The sample's class index, read from the data list (no file)."""
        return [int(super().get_data_info(idx)[self.LABEL_KEY])]


def holdout_mask(shape_ids: Sequence[str], labels: Sequence[int],
                 fraction: float, seed: int) -> List[bool]:
    """Which shapes of a training split to hold out for validation:
    in every class of n > 1 shapes, the ``round(fraction * n)`` shapes (at
    least one, never all; a class of one shape stays in training) whose
    SHA-1 of
    ``f'{seed}:{shape_id}'`` is smallest. The choice depends only on the
    shape ids, so it is the same on every machine and in every listing
    order, and a shape is held out or not whichever split asks.
    """
    by_class: Dict[int, List[Tuple[str, int]]] = {}
    for i, (shape_id, label) in enumerate(zip(shape_ids, labels)):
        digest = hashlib.sha1(f'{seed}:{shape_id}'.encode()).hexdigest()
        by_class.setdefault(int(label), []).append((digest, i))
    held = [False] * len(shape_ids)
    for members in by_class.values():
        if len(members) < 2:
            continue
        count = min(max(1, round(fraction * len(members))), len(members) - 1)
        for _, i in sorted(members)[:count]:
            held[i] = True
    return held
