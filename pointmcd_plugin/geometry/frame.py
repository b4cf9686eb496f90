"""Framing of object point clouds: unit normals, the unit-sphere frame."""
from typing import Tuple

import numpy as np


def normalize_normals(normals: np.ndarray) -> np.ndarray:
    """(N, 3) normals scaled to unit length, in their dtype.

    Real releases hold some that are not (ModelNet40's ``bathtub_0001.txt``
    row 141 has ``1,1,1``), and shading assumes unit normals. Zero normals
    (no orientation known) stay zero rather than becoming NaN; normals
    already of unit length (within 1e-5) are returned unchanged, bit for
    bit. Non-finite normals stay non-finite (the loaders refuse them).
    """
    norm = np.linalg.norm(normals, axis=-1, keepdims=True)
    scale = np.where(np.abs(norm - 1) > 1e-5, 1 / np.maximum(norm, 1e-12), 1)
    return (normals * scale).astype(normals.dtype)


def unit_sphere_frame(xyz: np.ndarray) -> Tuple[np.ndarray, float]:
    """Centre (the centroid) and radius (the largest distance from it) that
    map ``xyz`` (N, 3) into the unit sphere as ``(xyz - centre) / radius``.

    The centroid moves with the points under rotation, translation and
    scaling, so the framing does too (PointNet's normalisation).
    """
    centre = xyz.mean(axis=0)
    radius = float(np.sqrt(((xyz - centre)**2).sum(axis=1).max()))
    return centre, max(radius, 1e-12)
