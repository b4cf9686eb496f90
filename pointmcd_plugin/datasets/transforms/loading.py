"""``Load*`` transforms: read the per-sample files a dataset lists (points
of the text layouts, view images, visibility files, view part labels,
teacher knowledge) through ``mmengine.fileio`` with ``backend_args``, as
mmdet3d's loading transforms do.

mmdet3d's own loaders do not fit these files: ``LoadPointsFromFile`` reads
binary arrays into scene-level ``BasePoints`` and
``LoadMultiViewImageFromFiles`` expects nuScenes-style per-camera dicts.
"""
import io
from typing import Dict, Optional, Sequence, Tuple

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmdet3d.registry import TRANSFORMS
from PIL import Image

from pointmcd_plugin.geometry import normalize_normals

from ..fileio import (first_non_finite, format_row, read_bytes,
                      read_text_rows)
from ..knowledge import TeacherKnowledgeCache

XYZ = ('x', 'y', 'z')
NORMALS = ('nx', 'ny', 'nz')
PART = 'part'


def point_file_format(columns: Sequence[str],
                      delimiter: Optional[str] = None,
                      channels: Sequence[str] = XYZ,
                      num_rows: Optional[int] = None,
                      part_ids: Optional[Sequence[int]] = None,
                      category: str = '',
                      source: str = '') -> Dict:
    """How a text point file is laid out, for :class:`LoadShapePoints`
    (datasets put it into each sample's ``pts_format``).

    Args:
        columns (Sequence[str]): Column names of the file's rows; ``x y z``
            first, ``nx ny nz`` for normals, ``part`` for part labels.
        delimiter (str, optional): Column separator; None for whitespace.
        channels (Sequence[str]): Columns that become ``points`` channels.
        num_rows (int, optional): Read exactly the first ``num_rows``
            rows (fewer is an error).
        part_ids (Sequence[int], optional): The part ids allowed in the
            ``part`` column: those of the shape's ``category``.
        category (str): The category's name, for messages.
        source (str): Where the release comes from, for messages.
    """
    unknown = [c for c in channels if c not in columns]
    if unknown:
        raise ValueError(f'channels {unknown} are not columns {columns}')
    return dict(columns=tuple(columns), delimiter=delimiter,
                channels=tuple(channels), num_rows=num_rows,
                part_ids=None if part_ids is None else tuple(part_ids),
                category=category, source=source)


class FileLoader(BaseTransform):
    """Base of the loaders: reads through ``mmengine.fileio``.

    Args:
        backend_args (dict, optional): ``mmengine.fileio`` backend.
    """

    def __init__(self, backend_args: Optional[Dict] = None) -> None:
        self.backend_args = backend_args

    def __repr__(self) -> str:
        return f'{type(self).__name__}(backend_args={self.backend_args})'


def sample_name(results: Dict) -> str:
    """Which sample ``results`` is, for per-sample errors and warnings:
    ``sample <sample_idx> (<shape_id>, <pts_path>)`` with those it has
    (HDF5 shape ids without an id file name the shard and row)."""
    idx = results.get('sample_idx')
    head = 'sample' if idx is None else f'sample {idx}'
    details = [str(results[k]) for k in ('shape_id', 'pts_path')
               if results.get(k) is not None]
    if details:
        return f'{head} ({", ".join(details)})'
    return head if idx is not None else \
        'a sample without sample_idx, shape_id or pts_path'


def _require(results: Dict, key: str, transform: str, hint: str):
    if key not in results:
        raise KeyError(f'{transform} needs results[{key!r}] '
                       f'({sample_name(results)} has none): {hint}')
    return results[key]


def _check_finite_rows(rows: np.ndarray, columns: Sequence[str],
                       used: Sequence[str], path: str, source: str) -> None:
    """The ``used`` columns of a point file's rows are finite, else an
    error naming the file, the first bad row (1-based) and what is bad."""
    at = [columns.index(c) for c in used]
    bad = first_non_finite(rows[:, at])
    if bad is None:
        return
    (r, ), count = bad
    wrong = {c for c, v in zip(used, rows[r, at]) if not np.isfinite(v)}
    kinds = [kind for kind, names in (('coordinates', XYZ),
                                      ('normals', NORMALS),
                                      ('part label', (PART, )))
             if wrong & set(names)]
    kinds += sorted(wrong - set(XYZ + NORMALS + (PART, )))
    where = f' ({source})' if source else ''
    raise ValueError(
        f'{path}: row {r + 1} of {len(rows)} has non-finite '
        f'{" and ".join(kinds)}: "{" ".join(columns)}" = '
        f'{format_row(rows[r])} (non-finite rows: {count}). The file is '
        f'corrupt: download the shape again or leave it out of the split'
        f'{where}')


@TRANSFORMS.register_module()
class LoadShapePoints(FileLoader):
    """Read a shape's point file (text rows) into ``points``.

    The dataset names the file (``pts_path``) and its layout
    (``pts_format``, see :func:`point_file_format`). Adds ``points``
    (P, C) float32 with the format's ``channels`` (normals scaled to unit
    length, zero normals kept) and, when the file has a ``part`` column,
    ``pts_part_label`` (P,) int64, checked against the allowed part ids.
    A NaN or inf in a column it keeps, or a part label that is not a whole
    number (47.6 is not read as 47), is an error naming the file and the
    row.

    Args:
        backend_args (dict, optional): ``mmengine.fileio`` backend.
    """

    def transform(self, results: Dict) -> Dict:
        path = _require(results, 'pts_path', 'LoadShapePoints',
                        'use it with a dataset that lists point files')
        fmt = results['pts_format']
        columns = fmt['columns']
        rows = read_text_rows(path, columns, fmt['delimiter'],
                              max_rows=fmt['num_rows'], source=fmt['source'],
                              backend_args=self.backend_args)
        if fmt['num_rows'] is not None and len(rows) < fmt['num_rows']:
            raise ValueError(f'{path}: {len(rows)} rows, fewer than '
                             f'num_points={fmt["num_rows"]}')
        used = list(fmt['channels']) + ([PART] if PART in columns else [])
        _check_finite_rows(rows, columns, used, path, fmt['source'])
        points = rows[:, [columns.index(c) for c in fmt['channels']]]
        if set(NORMALS) <= set(fmt['channels']):
            at = fmt['channels'].index('nx')
            points[:, at:at + 3] = normalize_normals(points[:, at:at + 3])
        results['points'] = np.ascontiguousarray(points)
        if PART in columns:
            raw = rows[:, columns.index(PART)]
            fractional = np.flatnonzero(raw != np.round(raw))
            if len(fractional):
                r = int(fractional[0])
                raise ValueError(
                    f'{path}: row {r + 1} of {len(rows)} has the part label '
                    f'{float(raw[r]):g}, not an integer part id '
                    f'({len(fractional)} such rows); the part column must '
                    'hold whole part ids (e.g. '
                    f'{fmt["part_ids"] or "0, 1, ..."}). The file is corrupt '
                    'or not in this layout')
            labels = raw.astype(np.int64)
            allowed = fmt['part_ids']
            if allowed is not None and not np.isin(labels, allowed).all():
                raise ValueError(
                    f'{path}: part labels {np.unique(labels)} are not all '
                    f'part ids {allowed} of {fmt["category"]}')
            results['pts_part_label'] = labels
        return results


@TRANSFORMS.register_module()
class LoadMultiViewImages(FileLoader):
    """Read a shape's K view images (``img_paths``) into ``img``: a list of
    K (H, W, 3) uint8 RGB arrays (mmdet3d's multi-view convention; packed
    as (K, 3, H, W)), plus ``num_views``. Views of different sizes, or a
    file that does not decode, are errors naming the file.

    Args:
        backend_args (dict, optional): ``mmengine.fileio`` backend.
    """

    def transform(self, results: Dict) -> Dict:
        paths = _require(results, 'img_paths', 'LoadMultiViewImages',
                         'build the dataset with load_images=True')
        views = []
        for path in paths:
            data = read_bytes(path, 'a view image', self.backend_args)
            try:
                img = mmcv.imfrombytes(data, channel_order='rgb')
            except Exception as e:  # cv2 / PIL errors name no file
                raise ValueError(f'{path}: cannot be decoded as an image: '
                                 f'{e}') from e
            if img is None:
                raise ValueError(f'{path}: cannot be decoded as an image')
            views.append(img)
        shapes = {v.shape for v in views}
        if len(shapes) != 1:
            raise ValueError(f'{sample_name(results)}: views of different '
                             f'sizes {sorted(shapes)} in {paths[0]} ...')
        results['img'] = views
        results['num_views'] = len(views)
        return results


@TRANSFORMS.register_module()
class LoadViewVisibility(FileLoader):
    """Read a shape's (P, K) 0/1 visibility file (``vis_path``, K =
    ``num_views`` of the dataset) into ``visibility`` (P, K) bool.

    Such files describe the points as stored; after an augmentation that
    changes the pose, compute visibility with ``ComputeViewVisibility``
    instead. The file must have a row per loaded point.

    Args:
        backend_args (dict, optional): ``mmengine.fileio`` backend.
    """

    def transform(self, results: Dict) -> Dict:
        path = _require(results, 'vis_path', 'LoadViewVisibility',
                        'build the dataset with load_visibility=True')
        num_views = results['num_views']
        vis = read_text_rows(path, [f'view{k}' for k in range(num_views)],
                             backend_args=self.backend_args,
                             source='0/1 visibility, a row per point')
        if 'points' in results and len(vis) != len(results['points']):
            raise ValueError(f'{path}: {len(vis)} visibility rows for the '
                             f'{len(results["points"])} points of '
                             f'{sample_name(results)}')
        bad = first_non_finite(vis)
        if bad is not None:
            raise ValueError(
                f'{path}: row {bad[0][0] + 1} of the visibility of '
                f'{sample_name(results)} is {format_row(vis[bad[0]])} '
                f'({bad[1]} rows with NaN or inf); expected 0/1 per view')
        results['visibility'] = vis > 0.5
        return results


@TRANSFORMS.register_module()
class LoadViewPartLabels(FileLoader):
    """Read a shape's labelled views (``view_label_paths``, single-channel
    PNGs of part ids, ``view_background`` for background) into
    ``view_part_labels`` (K, H, W) int64, checked against the shape's part
    ids (``pts_format['part_ids']``). Values are kept as stored (palette
    indices or grey levels), as the PointMCD authors read them. It is the
    layout ``RenderPointViews(part_labels=True)`` renders from the points
    (background ``label_background``), so the part-segmentation teacher
    (``MultiViewPartSegTeacher``) trains on either, packed as
    ``gt_view_part_label``.

    Args:
        backend_args (dict, optional): ``mmengine.fileio`` backend.
    """

    def transform(self, results: Dict) -> Dict:
        paths = _require(results, 'view_label_paths', 'LoadViewPartLabels',
                         'build the dataset with load_view_labels=True')
        allowed = list(results['pts_format']['part_ids']) + \
            [results['view_background']]
        views = []
        for path in paths:
            data = read_bytes(path, 'a labelled view (PNG)',
                              self.backend_args)
            with Image.open(io.BytesIO(data)) as img:
                labels = np.asarray(img, dtype=np.int64)
            if labels.ndim != 2 or not np.isin(labels, allowed).all():
                raise ValueError(
                    f'{path}: expected a single-channel label image of part '
                    f'ids {allowed[:-1]} and {allowed[-1]} (background), got '
                    f'shape {labels.shape} with values '
                    f'{np.unique(labels)[:10]}')
            views.append(labels)
        results['view_part_labels'] = np.stack(views)
        return results


@TRANSFORMS.register_module()
class LoadTeacherKnowledge(BaseTransform):
    """Attach a sample's teacher descriptors, ``teacher_descriptors``
    (K, D) float32, from one of two sources through one path:

    * ``cache`` (this plugin's export, :class:`TeacherKnowledgeCache`): an
      ``.npy`` of (num_samples, K, D) with a manifest beside it that lists
      every row's shape id. Row ``sample_idx`` is read (memory-mapped) and
      its id must be the sample's ``shape_id``: a cache exported for
      another split, dataset or order is an error naming the file, the
      expected and the found id;
    * no ``cache``: the sample's own descriptor file (``descriptor_path``,
      the PointMCD authors' ``mv_cdw/<class>/<name>_mv_cdw.xyz``, K rows of
      D numbers, listed by datasets built with ``descriptor_root``), whose
      name carries the shape id.

    Args:
        cache (str, optional): The ``.npy`` of an export.
        expect (dict, optional): Manifest entries the cache must have
            (e.g. ``dataset_type``, ``split``, ``views``): a cache made
            for anything else is refused, naming both values.
        num_views (int, optional): Expected K (default: the sample's
            ``num_views`` when it has one).
        backend_args (dict, optional): ``mmengine.fileio`` backend of the
            per-sample files.
    """

    def __init__(self,
                 cache: Optional[str] = None,
                 expect: Optional[Dict] = None,
                 num_views: Optional[int] = None,
                 backend_args: Optional[Dict] = None) -> None:
        self.cache = None if cache is None else TeacherKnowledgeCache(
            cache, expect)
        self.num_views = num_views
        self.backend_args = backend_args

    def _read_file(self, results: Dict) -> Tuple[np.ndarray, str]:
        path = _require(
            results, 'descriptor_path', 'LoadTeacherKnowledge',
            'give cache=<exported .npy>, or build a dataset of the '
            "authors' layout with descriptor_root")
        desc = read_text_rows(path, None, source='exported teacher '
                              'descriptors, one row per view',
                              backend_args=self.backend_args)
        return desc, path

    def transform(self, results: Dict) -> Dict:
        if self.cache is not None:
            desc = self.cache.lookup(int(results['sample_idx']),
                                     str(results.get('shape_id')))
            where = self.cache.path
        else:
            desc, where = self._read_file(results)
        num_views = self.num_views or results.get('num_views')
        if num_views is not None and len(desc) != num_views:
            raise ValueError(f'{where}: {len(desc)} view descriptors for '
                             f'{sample_name(results)}, expected '
                             f'{num_views}')
        desc = np.asarray(desc, dtype=np.float32)
        bad = first_non_finite(desc)
        if bad is not None:
            raise ValueError(
                f'{where}: the teacher descriptors of {sample_name(results)} '
                f'hold NaN or inf (view {bad[0][0]}, {bad[1]} of '
                f'{len(desc)} views); re-export the knowledge from a '
                'teacher whose checkpoint is finite')
        results['teacher_descriptors'] = desc
        return results

    def __repr__(self) -> str:
        cache = None if self.cache is None else self.cache.path
        return (f'{type(self).__name__}(cache={cache!r}, '
                f'num_views={self.num_views})')
