"""Reading the files of a release through ``mmengine.fileio``, so every
path may live on any storage backend (``backend_args``, as in mmdet3d's
loading transforms), with errors that name the file and what it should
hold: numpy's and h5py's own messages name neither."""
import contextlib
import io
import json
from typing import Any, Iterator, Optional, Sequence, Tuple

import h5py
import numpy as np
from mmengine import fileio


def _where(source: str) -> str:
    return f' ({source})' if source else ''


def first_non_finite(values: np.ndarray
                     ) -> Optional[Tuple[Tuple[int, ...], int]]:
    """Where ``values`` (..., C) holds NaN or inf: None when every value is
    finite (one vectorised test, the cost on good data); else the index of
    the first row (over the leading axes) with a non-finite value and the
    number of such rows, located only then."""
    finite = np.isfinite(values)
    if finite.all():
        return None
    bad = ~finite.all(axis=-1)
    return tuple(int(i) for i in np.argwhere(bad)[0]), int(bad.sum())


def format_row(values: np.ndarray) -> str:
    """A row of numbers as ``(0.1, nan, 2)`` for messages."""
    return '(' + ', '.join(f'{float(v):g}' for v in values) + ')'


def read_bytes(path: str, what: str, backend_args: Optional[dict] = None,
               source: str = '') -> bytes:
    """The bytes of ``path``; a missing file says what it should be."""
    try:
        return fileio.get(path, backend_args=backend_args)
    except FileNotFoundError as e:
        raise FileNotFoundError(f'{path} is missing; expected {what}'
                                f'{_where(source)}') from e


def read_text_rows(path: str,
                   columns: Optional[Sequence[str]],
                   delimiter: Optional[str] = None,
                   max_rows: Optional[int] = None,
                   source: str = '',
                   backend_args: Optional[dict] = None) -> np.ndarray:
    """(rows, len(columns)) float32 array from a text file of numbers.

    Every failure names the file and the expected row format: a missing
    file, a file numpy cannot parse (truncated, another delimiter, ragged
    rows), the wrong number of columns, or no rows at all.

    Args:
        path (str): The file.
        columns (Sequence[str], optional): Names of the expected columns;
            None: any number, the same in every row.
        delimiter (str, optional): Column separator; None for whitespace.
        max_rows (int, optional): Read only the first rows.
        source (str): Where the release comes from, for the messages.
        backend_args (dict, optional): ``mmengine.fileio`` backend.
    """
    sep = {None: ' ', ',': ',', ';': ';'}.get(delimiter, delimiter)
    expected = 'rows of numbers' if columns is None else \
        f'rows "{sep.join(columns)}" ({len(columns)} columns)'
    text = read_bytes(path, f'a file of {expected}', backend_args, source)
    try:
        rows = np.loadtxt(io.BytesIO(text), dtype=np.float32, ndmin=2,
                          delimiter=delimiter, max_rows=max_rows)
    except (OSError, ValueError) as e:
        raise ValueError(f'{path}: cannot be read as {expected}: {e}. Is '
                         f'the file truncated or in another format?'
                         f'{_where(source)}') from e
    if rows.shape[0] == 0:
        raise ValueError(f'{path} is empty; expected {expected}'
                         f'{_where(source)}')
    if columns is not None and rows.shape[1] != len(columns):
        raise ValueError(f'{path}: expected {expected}, got '
                         f'{rows.shape[1]} columns{_where(source)}')
    return rows


def read_lines(path: str, what: str, backend_args: Optional[dict] = None,
               source: str = '') -> list:
    """Non-empty stripped lines of a listing file."""
    text = read_bytes(path, what, backend_args, source).decode()
    return [line.strip() for line in text.splitlines() if line.strip()]


def read_json(path: str, what: str, backend_args: Optional[dict] = None,
              source: str = '') -> Any:
    """The parsed JSON of ``path``; invalid JSON names the file."""
    text = read_bytes(path, what, backend_args, source)
    try:
        return json.loads(text)
    except ValueError as e:
        raise ValueError(f'{path}: not valid JSON ({e}); expected {what}'
                         f'{_where(source)}') from e


def read_json_list(path: str, what: str,
                   backend_args: Optional[dict] = None,
                   source: str = '') -> list:
    """A JSON file that must hold a list (one entry per shape)."""
    items = read_json(path, what, backend_args, source)
    if not isinstance(items, list):
        raise ValueError(f'{path}: expected a JSON list ({what}), got '
                         f'{type(items).__name__}')
    return items


@contextlib.contextmanager
def open_hdf5(path: str, source: str = '',
              backend_args: Optional[dict] = None) -> Iterator[h5py.File]:
    """Open (and read inside) an HDF5 file, fetched to a local path first
    for a remote backend; h5py's errors, which name no file ("truncated
    file", "file signature not found"), are re-raised naming it."""
    with fileio.get_local_path(path, backend_args=backend_args) as local:
        try:
            with h5py.File(local, 'r') as f:
                yield f
        except OSError as e:
            raise OSError(f'{path}: cannot be read as HDF5: {e}. The file '
                          'is probably truncated or corrupt: download it '
                          f'again{_where(source)}') from e
