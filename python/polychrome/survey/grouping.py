"""plan_groups: friends-of-friends grouping of a catalogue by overlapping footprints, on a KD-tree.

Two sources are friends when their footprints (discs of radius
footprint_scale * size + PSF FWHM, arcsec) overlap: angular distance below
the sum of their radii. The tree (scipy.spatial.cKDTree on 3-D unit vectors,
so that RA wrap-around and the poles need no care) gives every pair closer
than twice the largest radius once; each pair is kept by its own sum of
radii; groups are the connected components of the kept pairs
(scipy.sparse.csgraph). Nothing is O(N^2): a million sources group in seconds
(bench/survey_grouping.py).
"""

import math

import numpy as np

from .flags import SourceFlag
from .image_spec import ImageSpec, open_image
from .model_spec import ModelSpec
from .tasks import GroupTask

ARCSEC = math.pi / (180.0 * 3600.0)  # radians per arcsec


def unit_vectors(ra, dec):
    """(N, 3) unit vectors of ra, dec (deg)."""
    ra, dec = np.radians(ra), np.radians(dec)
    cos_dec = np.cos(dec)
    return np.column_stack([cos_dec * np.cos(ra), cos_dec * np.sin(ra), np.sin(dec)])


def chord(arcsec):
    """Chord length on the unit sphere of an angle in arcsec (arrays)."""
    return 2.0 * np.sin(0.5 * np.minimum(np.asarray(arcsec, float) * ARCSEC, math.pi))


def angle(chord_length):
    """Angle in arcsec of a chord length on the unit sphere (arrays)."""
    return 2.0 * np.arcsin(np.clip(0.5 * np.asarray(chord_length, float), 0.0, 1.0)) / ARCSEC


def psf_radius(images):
    """The broadest PSF FWHM (arcsec) among ``images`` that open (0 when none has a PSF)."""
    widths = [0.0]
    for spec in images:
        try:
            widths.append(open_image(spec).psf_fwhm)
        except (OSError, ValueError, TypeError):  # a bad image is flagged when fitting, not here
            continue
    return max(widths)


def footprint_radii(catalog, spec, psf_width):
    """(N,) footprint radius per source, arcsec: footprint_scale * size (default_size where the
    catalogue has none) + psf_width."""
    size = np.full(len(catalog), spec.default_size)
    if "size" in catalog.colnames:
        given = np.asarray(catalog["size"], float)
        size = np.where(np.isfinite(given) & (given > 0), given, size)
    return spec.footprint_scale * size + psf_width


def friends_of_friends(xyz, radii):
    """(N,) group label per point: connected components of the pairs whose angular distance is
    below the sum of their radii (arcsec). Labels are numbered by each group's first member."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import cKDTree

    n = len(xyz)
    if n == 0:
        return np.zeros(0, np.int64)
    tree = cKDTree(xyz)
    pairs = tree.query_pairs(float(chord(2.0 * radii.max())), output_type="ndarray")
    if len(pairs):
        i, j = pairs[:, 0], pairs[:, 1]
        distance = np.linalg.norm(xyz[i] - xyz[j], axis=1)
        keep = distance < chord(radii[i] + radii[j])
        i, j = i[keep], j[keep]
    else:
        i = j = np.zeros(0, np.int64)
    graph = coo_matrix((np.ones(len(i), np.int8), (i, j)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    # number the groups by their first member (scipy's own order is not part of its contract)
    _, first = np.unique(labels, return_index=True)
    rank = np.empty(len(first), np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    return rank[labels]


def _tangent_offsets(xyz):
    """(M, 2) offsets (radians, small) of unit vectors from their mean direction on its tangent plane."""
    centre = xyz.mean(axis=0)
    centre /= np.linalg.norm(centre)
    east = np.cross([0.0, 0.0, 1.0], centre)
    if np.linalg.norm(east) < 1e-12:  # at a pole
        east = np.array([0.0, 1.0, 0.0])
    east /= np.linalg.norm(east)
    north = np.cross(centre, east)
    return np.column_stack([xyz @ east, xyz @ north])


def split_group(members, xyz, max_size):
    """``members`` (sorted indices) cut by recursive bisection at the median along the longer
    axis of their spread until each part has at most ``max_size``; a list of sorted index arrays."""
    if len(members) <= max_size:
        return [members]
    offsets = _tangent_offsets(xyz[members])
    axis = int(np.argmax(offsets.max(axis=0) - offsets.min(axis=0)))
    order = np.argsort(offsets[:, axis], kind="stable")
    half = len(members) // 2
    low, high = np.sort(members[order[:half]]), np.sort(members[order[half:]])
    return split_group(low, xyz, max_size) + split_group(high, xyz, max_size)


def _split_large(labels, xyz, max_size):
    """Labels after splitting groups above ``max_size``, renumbered by first member, and the (N,)
    bool of sources whose group was split."""
    counts = np.bincount(labels)
    large = np.flatnonzero(counts > max_size)
    split = np.zeros(len(labels), bool)
    if len(large) == 0:
        return labels, split
    labels = labels.copy()
    next_label = len(counts)
    for label in large:
        members = np.flatnonzero(labels == label)
        split[members] = True
        for part in split_group(members, xyz, max_size)[1:]:
            labels[part] = next_label
            next_label += 1
    _, first = np.unique(labels, return_index=True)
    rank = np.empty(len(first), np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    return rank[labels], split


def _group_geometry(order, starts, xyz, radii, margin):
    """Per group (members listed by ``order``, group k from starts[k]): the unit vector of its
    centre and the radius (arcsec) its cutouts cover: the farthest member footprint + margin."""
    sums = np.add.reduceat(xyz[order], starts, axis=0)
    centres = sums / np.linalg.norm(sums, axis=1)[:, None]
    sizes = np.diff(np.append(starts, len(order)))
    group_of = np.repeat(np.arange(len(starts)), sizes)
    reach = angle(np.linalg.norm(xyz[order] - centres[group_of], axis=1)) + radii[order]
    return centres, np.maximum.reduceat(reach, starts) + margin


def _classes(values, count):
    """Index arrays splitting ``values`` into up to ``count`` classes of similar size by value."""
    order = np.argsort(values, kind="stable")
    return [part for part in np.array_split(order, min(count, len(order))) if len(part)]


def _neighbours(centres, reach, labels, xyz, radii, classes=6):
    """Per group, the sorted indices (list) of other groups' sources whose footprints reach within
    ``reach`` * sqrt(2) arcsec of its centre (the corners of its square cutouts).

    Groups and sources are split into classes by radius, so that each pair of classes is
    searched to its own largest radii (one huge footprint does not widen every search)."""
    from scipy.spatial import cKDTree

    box = reach * math.sqrt(2.0)
    found_groups, found_sources = [], []
    source_classes = [(members, cKDTree(xyz[members]), radii[members].max())
                      for members in _classes(radii, classes)]
    for groups in _classes(box, classes):
        group_tree = cKDTree(centres[groups])
        for members, tree, largest in source_classes:
            pairs = group_tree.sparse_distance_matrix(tree, float(chord(box[groups].max() + largest)),
                                                      output_type="ndarray")
            group, source = groups[pairs["i"]], members[pairs["j"]]
            keep = (labels[source] != group) & (pairs["v"] < chord(box[group] + radii[source]))
            found_groups.append(group[keep])
            found_sources.append(source[keep])
    group, candidates = np.concatenate(found_groups), np.concatenate(found_sources)
    order = np.lexsort((candidates, group))
    candidates, group = candidates[order], group[order]
    bounds = np.searchsorted(group, np.arange(len(centres) + 1)).tolist()
    candidates = candidates.tolist()
    return [candidates[bounds[k]:bounds[k + 1]] for k in range(len(centres))]


def _costs(images, centres, reach):
    """Per group: the cutout pixels summed over the images that cover its centre (at least 1)."""
    cost = np.zeros(len(centres))
    if len(centres) == 0:
        return cost
    dec = np.degrees(np.arcsin(np.clip(centres[:, 2], -1, 1)))
    ra = np.mod(np.degrees(np.arctan2(centres[:, 1], centres[:, 0])), 360.0)
    for spec in images:
        try:
            image = open_image(spec)
        except (OSError, ValueError, TypeError):
            continue
        on = image.covers(ra, dec, -reach)
        cost += np.where(on, (2.0 * reach / image.pixel_size) ** 2, 0.0)
    return np.maximum(cost, 1.0)


def _rows(catalog, radii):
    """One dict per catalogue row: the canonical columns as plain Python values + footprint (arcsec)."""
    names = catalog.colnames
    columns = [catalog[name].tolist() for name in names] + [radii.tolist()]
    keys = names + ["footprint"]
    return [dict(zip(keys, values)) for values in zip(*columns)]


def plan_groups(catalog, images, spec):
    """The catalogue as GroupTasks, sorted by group_id (0, 1, ...: numbered by first catalogue row).

    catalog: a Table with the canonical columns (see read_catalog); images:
    ImageSpecs (or their dicts): their PSFs' FWHM widens the footprints and
    their pixel grids set the cost estimate; spec: a ModelSpec (or dict).
    Groups larger than spec.max_group_size are split by recursive bisection
    along their longer axis and their sources flagged GROUP_SPLIT; the other
    parts of a split group become each other's neighbours.
    """
    spec = ModelSpec.from_dict(spec)
    images = [ImageSpec.from_dict(image) for image in images]
    for name in ("id", "ra", "dec"):
        if name not in catalog.colnames:
            raise ValueError(f"catalog needs column {name!r} (see read_catalog)")
    n = len(catalog)
    if n == 0:
        return []
    ra, dec = np.asarray(catalog["ra"], float), np.asarray(catalog["dec"], float)
    radii = footprint_radii(catalog, spec, psf_radius(images))
    xyz = unit_vectors(ra, dec)
    labels = friends_of_friends(xyz, radii)
    labels, split = _split_large(labels, xyz, spec.max_group_size)
    order = np.argsort(labels, kind="stable")
    starts = np.searchsorted(labels[order], np.arange(labels.max() + 1))
    centres, reach = _group_geometry(order, starts, xyz, radii, spec.cutout_margin)
    neighbours = _neighbours(centres, reach, labels, xyz, radii)
    costs = _costs(images, centres, reach)
    rows = _rows(catalog, radii)
    centre_dec = np.degrees(np.arcsin(np.clip(centres[:, 2], -1, 1))).tolist()
    centre_ra = np.mod(np.degrees(np.arctan2(centres[:, 1], centres[:, 0])), 360.0).tolist()
    bounds = np.append(starts, n).tolist()
    group_split = split[order][starts].tolist()
    order = order.tolist()
    costs, reach = costs.tolist(), reach.tolist()
    row = rows.__getitem__
    split_flag = int(SourceFlag.GROUP_SPLIT)
    return [GroupTask(k, tuple(map(row, order[bounds[k]:bounds[k + 1]])), tuple(map(row, neighbours[k])),
                      split_flag if group_split[k] else 0, costs[k], (centre_ra[k], centre_dec[k]), reach[k])
            for k in range(len(starts))]
