"""Procedural shapes assembled from labelled parts (the embedded dataset).

Every category builds a triangle mesh per part (trimesh primitives: boxes,
cylinders between two points, surfaces of revolution, tori, spheres) with
random proportions, so part segmentation labels come for free and point
samples are exactly area-weighted. Categories are chosen in similar pairs
(table / stool / bed, mug / vase / bottle, airplane / rocket, chair / bench
via stool) so classification is not trivially solved.

Coordinates are y-up (as ShapeNet and the ModelNet40 HDF5 release).
"""
import math
from typing import Callable, Dict, List, Sequence, Tuple

import numpy as np
import trimesh
from trimesh.creation import box, cylinder, icosphere, revolve, torus
from trimesh.transformations import rotation_matrix, translation_matrix

PartMeshes = List[Tuple[str, trimesh.Trimesh]]

# z-up (trimesh's revolve / torus axis) -> y-up.
_Z_TO_Y = rotation_matrix(-math.pi / 2, [1, 0, 0])


def _box(extents: Sequence[float], center: Sequence[float]) -> trimesh.Trimesh:
    return box(extents=extents, transform=translation_matrix(center))


def _rod(p0: Sequence[float], p1: Sequence[float], radius: float,
         sections: int = 12) -> trimesh.Trimesh:
    return cylinder(radius=radius, segment=[p0, p1], sections=sections)


def _revolved(profile: Sequence[Tuple[float, float]], base_y: float = 0.0,
              sections: int = 32) -> trimesh.Trimesh:
    """Surface of revolution about the y axis of a (radius, height) profile."""
    mesh = revolve(np.asarray(profile, dtype=np.float64), sections=sections)
    mesh.apply_transform(_Z_TO_Y)
    mesh.apply_translation([0.0, base_y, 0.0])
    return mesh


def _legs(rng: np.random.Generator, half_x: float, half_z: float,
          top_y: float, bottom_y: float, radius: float, count: int = 4,
          splay: float = 0.0) -> List[trimesh.Trimesh]:
    """Legs under a rectangle (count 4) or a disc (count 3 or 4)."""
    legs = []
    for i in range(count):
        if count == 4 and half_z is not None:
            sx, sz = (1 if i in (0, 3) else -1), (1 if i < 2 else -1)
            x, z = sx * half_x, sz * half_z
        else:
            a = 2 * math.pi * i / count + rng.uniform(-0.1, 0.1)
            x, z = half_x * math.cos(a), half_x * math.sin(a)
        legs.append(_rod([x, top_y, z],
                         [x * (1 + splay), bottom_y, z * (1 + splay)], radius))
    return legs


def table(rng: np.random.Generator) -> PartMeshes:
    w, d = rng.uniform(1.0, 2.0), rng.uniform(0.6, 1.2)
    h, t = rng.uniform(0.6, 1.0), rng.uniform(0.03, 0.08)
    if rng.random() < 0.3:  # round table
        r = rng.uniform(0.45, 0.8)
        top = _rod([0, h - t, 0], [0, h, 0], r, sections=32)
        legs = _legs(rng, 0.7 * r, None, h - t, 0, rng.uniform(0.02, 0.05),
                     count=int(rng.integers(3, 5)))
    else:
        top = _box([w, t, d], [0, h - t / 2, 0])
        inset = rng.uniform(0.05, 0.15)
        legs = _legs(rng, w / 2 - inset, d / 2 - inset, h - t, 0,
                     rng.uniform(0.02, 0.06))
    return [('top', top)] + [('leg', m) for m in legs]


def chair(rng: np.random.Generator) -> PartMeshes:
    w, d = rng.uniform(0.4, 0.6), rng.uniform(0.4, 0.6)
    h, t = rng.uniform(0.4, 0.5), rng.uniform(0.04, 0.08)
    back_h = rng.uniform(0.3, 0.6)
    tilt = rng.uniform(0.0, 0.15)
    seat = _box([w, t, d], [0, h - t / 2, 0])
    back = _box([w, back_h, 0.04], [0, h + back_h / 2, -d / 2 + 0.02])
    back.apply_transform(rotation_matrix(-tilt, [1, 0, 0], [0, h, -d / 2]))
    legs = _legs(rng, w / 2 - 0.03, d / 2 - 0.03, h - t, 0,
                 rng.uniform(0.015, 0.03))
    return [('seat', seat), ('back', back)] + [('leg', m) for m in legs]


def stool(rng: np.random.Generator) -> PartMeshes:
    r, h = rng.uniform(0.15, 0.3), rng.uniform(0.45, 0.8)
    t = rng.uniform(0.03, 0.07)
    if rng.random() < 0.6:
        seat = _rod([0, h - t, 0], [0, h, 0], r, sections=32)
        legs = _legs(rng, 0.8 * r, None, h - t, 0, rng.uniform(0.015, 0.03),
                     count=int(rng.integers(3, 5)), splay=rng.uniform(0, 0.4))
    else:
        seat = _box([2 * r, t, 2 * r], [0, h - t / 2, 0])
        legs = _legs(rng, 0.8 * r, 0.8 * r, h - t, 0,
                     rng.uniform(0.015, 0.03), splay=rng.uniform(0, 0.3))
    return [('seat', seat)] + [('leg', m) for m in legs]


def bookshelf(rng: np.random.Generator) -> PartMeshes:
    w, d, h = rng.uniform(0.6, 1.2), rng.uniform(0.25, 0.4), rng.uniform(
        0.8, 2.0)
    t = rng.uniform(0.02, 0.04)
    frame = [_box([t, h, d], [-w / 2 + t / 2, h / 2, 0]),
             _box([t, h, d], [w / 2 - t / 2, h / 2, 0]),
             _box([w, t, d], [0, h - t / 2, 0]),
             _box([w, t, d], [0, t / 2, 0])]
    if rng.random() < 0.7:
        frame.append(_box([w, h, t], [0, h / 2, -d / 2 + t / 2]))
    n = int(rng.integers(2, 6))
    shelves = [_box([w - 2 * t, t, d - t], [0, h * (i + 1) / (n + 1), t / 2])
               for i in range(n)]
    return [('frame', m) for m in frame] + [('shelf', m) for m in shelves]


def mug(rng: np.random.Generator) -> PartMeshes:
    r, h = rng.uniform(0.3, 0.5), rng.uniform(0.6, 1.1)
    taper = rng.uniform(0.85, 1.1)
    body = _revolved([(0, 0), (r, 0), (r * taper, h)])
    major = rng.uniform(0.18, 0.3) * h
    handle = torus(major, rng.uniform(0.03, 0.06), major_sections=24,
                   minor_sections=8)
    handle = handle.slice_plane([0, 0, 0], [1, 0, 0])
    handle.apply_transform(rotation_matrix(math.pi / 2, [1, 0, 0]))
    handle.apply_translation([r * (1 + taper) / 2 - 0.02, h / 2, 0])
    return [('body', body), ('handle', handle)]


def vase(rng: np.random.Generator) -> PartMeshes:
    r, h = rng.uniform(0.25, 0.45), rng.uniform(0.8, 1.6)
    belly = rng.uniform(0.3, 0.6)
    neck_r = r * rng.uniform(0.35, 0.7)
    body_h = h * rng.uniform(0.6, 0.8)
    body = _revolved([(0, 0), (r * 0.7, 0), (r, belly * body_h),
                      (r * 0.8, 0.85 * body_h), (neck_r, body_h)])
    neck = _revolved([(neck_r, body_h), (neck_r * 0.9, h - 0.05 * h),
                      (neck_r * rng.uniform(1.1, 1.5), h)])
    return [('body', body), ('neck', neck)]


def bottle(rng: np.random.Generator) -> PartMeshes:
    r, h = rng.uniform(0.15, 0.3), rng.uniform(1.0, 1.8)
    body_h = h * rng.uniform(0.55, 0.7)
    shoulder = h * rng.uniform(0.08, 0.15)
    neck_r = r * rng.uniform(0.25, 0.4)
    cap_h = h * rng.uniform(0.04, 0.08)
    body = _revolved([(0, 0), (r, 0), (r, body_h),
                      (neck_r, body_h + shoulder)])
    neck = _revolved([(neck_r, body_h + shoulder), (neck_r, h - cap_h)])
    cap = _rod([0, h - cap_h, 0], [0, h, 0], neck_r * 1.15, sections=24)
    return [('body', body), ('neck', neck), ('cap', cap)]


def lamp(rng: np.random.Generator) -> PartMeshes:
    base_r, h = rng.uniform(0.15, 0.3), rng.uniform(0.8, 1.6)
    base_t = rng.uniform(0.03, 0.08)
    shade_h = rng.uniform(0.2, 0.4)
    top_r, bottom_r = rng.uniform(0.08, 0.2), rng.uniform(0.2, 0.4)
    base = _rod([0, 0, 0], [0, base_t, 0], base_r, sections=32)
    pole = _rod([0, base_t, 0], [0, h - shade_h / 2, 0],
                rng.uniform(0.01, 0.03))
    shade = _revolved([(bottom_r, h - shade_h), (top_r, h)])
    return [('base', base), ('pole', pole), ('shade', shade)]


def airplane(rng: np.random.Generator) -> PartMeshes:
    length, r = rng.uniform(1.4, 2.2), rng.uniform(0.08, 0.15)
    fuselage = icosphere(subdivisions=3)
    fuselage.apply_scale([r, r, length / 2])
    span, chord = rng.uniform(1.2, 2.2), rng.uniform(0.2, 0.4)
    sweep = rng.uniform(0.0, 0.3)
    wing_z = rng.uniform(-0.1, 0.15) * length
    wings = [_box([span / 2, 0.025, chord],
                  [s * span / 4, -0.3 * r, wing_z]) for s in (-1, 1)]
    for s, w in zip((-1, 1), wings):
        w.apply_transform(rotation_matrix(s * sweep, [0, 1, 0],
                                          [0, 0, wing_z]))
    tail_z = -0.42 * length
    tail_span = span * rng.uniform(0.25, 0.4)
    tail = [_box([tail_span, 0.02, chord * 0.6], [0, 0, tail_z]),
            _box([0.02, rng.uniform(0.15, 0.3), chord * 0.6],
                 [0, r + 0.08, tail_z])]
    return ([('fuselage', fuselage)] + [('wing', m) for m in wings] +
            [('tail', m) for m in tail])


def rocket(rng: np.random.Generator) -> PartMeshes:
    r, h = rng.uniform(0.1, 0.2), rng.uniform(1.2, 2.0)
    nose_h = rng.uniform(0.15, 0.35) * h
    body = _rod([0, 0, 0], [0, h - nose_h, 0], r, sections=24)
    nose = _revolved([(r, h - nose_h), (r * 0.6, h - 0.4 * nose_h), (0, h)])
    fins = []
    n = int(rng.integers(3, 5))
    fin_h, fin_w = rng.uniform(0.15, 0.35) * h, rng.uniform(1.0, 2.5) * r
    for i in range(n):
        fin = _box([fin_w, fin_h, 0.02], [r + fin_w / 2, fin_h / 2, 0])
        fin.apply_transform(rotation_matrix(2 * math.pi * i / n, [0, 1, 0]))
        fins.append(fin)
    return [('body', body), ('nose', nose)] + [('fin', m) for m in fins]


def car(rng: np.random.Generator) -> PartMeshes:
    length, width = rng.uniform(1.6, 2.4), rng.uniform(0.7, 1.0)
    wheel_r = rng.uniform(0.15, 0.25)
    low_h = rng.uniform(0.25, 0.4)
    cabin_h = rng.uniform(0.2, 0.35)
    cabin_l = length * rng.uniform(0.4, 0.6)
    body = [_box([width, low_h, length], [0, wheel_r + low_h / 2, 0]),
            _box([width * 0.9, cabin_h, cabin_l],
                 [0, wheel_r + low_h + cabin_h / 2,
                  rng.uniform(-0.15, 0.1) * length])]
    wheels = []
    for sx in (-1, 1):
        for sz in (-1, 1):
            x, z = sx * (width / 2 + 0.04), sz * (length / 2 - 1.2 * wheel_r)
            wheels.append(_rod([x - 0.05, wheel_r, z], [x + 0.05, wheel_r, z],
                               wheel_r, sections=24))
    return [('body', m) for m in body] + [('wheel', m) for m in wheels]


def bed(rng: np.random.Generator) -> PartMeshes:
    w, length = rng.uniform(0.9, 1.8), rng.uniform(1.8, 2.2)
    h = rng.uniform(0.3, 0.5)
    mattress = _box([w, rng.uniform(0.15, 0.3), length], [0, h, 0])
    head_h = rng.uniform(0.4, 0.9)
    head = _box([w, head_h, 0.06], [0, head_h / 2, -length / 2])
    parts = [('mattress', mattress), ('headboard', head)]
    if rng.random() < 0.5:
        foot_h = head_h * rng.uniform(0.4, 0.8)
        parts.append(('headboard',
                      _box([w, foot_h, 0.06], [0, foot_h / 2, length / 2])))
    legs = _legs(rng, w / 2 - 0.05, length / 2 - 0.1, h, 0, 0.03)
    return parts + [('leg', m) for m in legs]


# name -> (builder, part names). The order defines class ids and the global
# part-id space (categories in order, each category's parts in order).
CATEGORIES: Dict[str, Tuple[Callable[[np.random.Generator], PartMeshes],
                            Tuple[str, ...]]] = {
    'table': (table, ('top', 'leg')),
    'chair': (chair, ('seat', 'back', 'leg')),
    'stool': (stool, ('seat', 'leg')),
    'bookshelf': (bookshelf, ('frame', 'shelf')),
    'mug': (mug, ('body', 'handle')),
    'vase': (vase, ('body', 'neck')),
    'bottle': (bottle, ('body', 'neck', 'cap')),
    'lamp': (lamp, ('base', 'pole', 'shade')),
    'airplane': (airplane, ('fuselage', 'wing', 'tail')),
    'rocket': (rocket, ('body', 'nose', 'fin')),
    'car': (car, ('body', 'wheel')),
    'bed': (bed, ('mattress', 'headboard', 'leg')),
}
CLASSES: Tuple[str, ...] = tuple(CATEGORIES)


def _part_id_table() -> Dict[str, Tuple[int, ...]]:
    table, next_id = {}, 0
    for name, (_, parts) in CATEGORIES.items():
        table[name] = tuple(range(next_id, next_id + len(parts)))
        next_id += len(parts)
    return table


# category -> global part ids (ShapeNetPart convention: one label space).
PART_IDS: Dict[str, Tuple[int, ...]] = _part_id_table()
NUM_PARTS: int = sum(len(v) for v in PART_IDS.values())


def sample_surface(meshes: PartMeshes, part_names: Sequence[str],
                   num_points: int, rng: np.random.Generator
                   ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Area-weighted uniform samples on the union of part surfaces.

    Returns:
        tuple: points (N, 3), unit face normals (N, 3) and part indices
        (N,) into ``part_names``.
    """
    tris = np.concatenate([m.triangles for _, m in meshes])
    normals = np.concatenate([m.face_normals for _, m in meshes])
    parts = np.concatenate([
        np.full(len(m.faces), part_names.index(name)) for name, m in meshes
    ])
    areas = np.concatenate([m.area_faces for _, m in meshes])
    face = rng.choice(len(tris), size=num_points, p=areas / areas.sum())
    u, v = rng.random(num_points), rng.random(num_points)
    flip = u + v > 1
    u[flip], v[flip] = 1 - u[flip], 1 - v[flip]
    t = tris[face]
    points = t[:, 0] + u[:, None] * (t[:, 1] - t[:, 0]) + \
        v[:, None] * (t[:, 2] - t[:, 0])
    return points, normals[face], parts[face]


def make_shape(category: str, rng: np.random.Generator, num_points: int,
               max_yaw_deg: float = 180.0, stretch: float = 1.4,
               noise_std: float = 0.01) -> Dict[str, np.ndarray]:
    """One random shape of ``category`` as a labelled point cloud.

    The assembled parts are stretched per axis by factors in
    ``[1 / stretch, stretch]`` (so the proportions of look-alike classes
    overlap), sampled, yawed by up to ``max_yaw_deg`` about the up axis,
    perturbed by gaussian noise and normalised into the unit sphere
    (centroid at the origin, farthest point at distance 1).

    Returns:
        dict: ``points`` (N, 3) float32, ``normals`` (N, 3) float32,
        ``part_labels`` (N,) int64 global part ids.
    """
    if category not in CATEGORIES:
        raise KeyError(f'unknown synthetic category {category!r}; '
                       f'expected one of {CLASSES}')
    builder, part_names = CATEGORIES[category]
    meshes = builder(rng)
    points, normals, parts = sample_surface(meshes, part_names, num_points,
                                            rng)
    scale = np.exp(rng.uniform(-np.log(stretch), np.log(stretch), size=3))
    points = points * scale
    normals = normals / scale
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    yaw = math.radians(rng.uniform(-max_yaw_deg, max_yaw_deg))
    rot = rotation_matrix(yaw, [0, 1, 0])[:3, :3]
    points = points @ rot.T + rng.normal(0, noise_std, points.shape)
    normals = normals @ rot.T
    points -= points.mean(axis=0)
    points /= np.linalg.norm(points, axis=1).max()
    part_ids = np.asarray(PART_IDS[category])[parts]
    return dict(points=points.astype(np.float32),
                normals=normals.astype(np.float32),
                part_labels=part_ids.astype(np.int64))
