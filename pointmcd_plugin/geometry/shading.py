"""Grey-level shading of a z-buffer into view images, and the labelled
views of the same z-buffer."""
from typing import Optional

import numpy as np

from .cameras import MultiViewCameras
from .frame import normalize_normals


def shade(owner: np.ndarray, zbuf: Optional[np.ndarray],
          cameras: MultiViewCameras,
          normals: Optional[np.ndarray] = None,
          background: int = 255) -> np.ndarray:
    """Grey-level images (K, H, W) uint8 from a z-buffer.

    With ``normals`` (N, 3) a pixel is Lambert-shaded with the light at the
    camera (``|n . v| / |n|``, so inconsistently oriented or non-unit
    normals still shade within range; a zero normal shades darkest; a
    non-finite one would not, and ``RenderPointViews`` refuses those);
    otherwise nearer is darker (depth shading). Surface grey levels span
    ``[0.1, 0.9] * 255``, so they never reach the ``background`` of empty
    pixels (white by default).

    Args:
        owner (np.ndarray): (K, H, W) int64 index of the point seen at each
            pixel, -1 where empty (:func:`~.splatting.zbuffer`).
        zbuf (np.ndarray, optional): (K, H, W) depth at each pixel (inf
            where empty); needed for depth shading only.
        cameras (MultiViewCameras): The cameras of the z-buffer.
        normals (np.ndarray, optional): (N, 3) point normals.
        background (int): Grey level of empty pixels.
    """
    K = cameras.num_views
    if normals is not None:
        view_dir = cameras.rotations[:, 2, :]  # (K, 3)
        unit = normalize_normals(np.asarray(normals, dtype=np.float64))
        per_point = _grey(np.abs(unit @ view_dir.T).T)  # (K, N)
        # Column 0 is the background, point n sits at column n + 1.
        table = np.concatenate(
            [np.full((K, 1), background, dtype=np.uint8), per_point], axis=1)
        # Flat index of each pixel's entry, in int32 (half the traffic).
        start = (np.arange(K) * table.shape[1] + 1).astype(np.int32)
        return np.take(table.ravel(), owner + start[:, None, None])
    near = cameras.distance - 1.0
    img = _grey(np.clip((zbuf - near) / 2.0, 0, 1))
    img[owner < 0] = background
    return img


def label_views(owner: np.ndarray, labels: np.ndarray,
                background: int) -> np.ndarray:
    """Labelled views (K, H, W) int64 of a z-buffer: at every pixel the
    label of the point that owns it, ``background`` where none does. Built
    from the same ``owner`` as :func:`shade`, a label image matches its
    grey view pixel for pixel (holes closed alike).

    Args:
        owner (np.ndarray): (K, H, W) index of the point seen at each
            pixel, -1 where empty (:func:`~.splatting.zbuffer`).
        labels (np.ndarray): (N,) per-point labels (part ids).
        background (int): Label of empty pixels.
    """
    # Entry 0 is the background, point n sits at entry n + 1.
    table = np.concatenate([np.array([background], dtype=np.int64),
                            np.asarray(labels, dtype=np.int64).reshape(-1)])
    return np.take(table, owner + 1)


def _grey(level: np.ndarray) -> np.ndarray:
    """uint8 grey of a shading level in [0, 1], mapped to [0.1, 0.9]."""
    return np.round(255 * (0.1 + 0.8 * level)).astype(np.uint8)
