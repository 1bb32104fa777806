"""plan_groups: friends-of-friends grouping of a catalogue by overlapping footprints, on a KD-tree.

Two sources are friends when their footprints (discs of radius
footprint_scale * size + PSF FWHM, arcsec) overlap: angular distance below
the sum of their radii. KD-trees (scipy.spatial.cKDTree on 3-D unit vectors,
so that RA wrap-around and the poles need no care), one per class of radii,
give the candidate pairs of each pair of classes within its largest sum of
radii; each pair is kept by its own sum; groups are the connected components
of the kept pairs (scipy.sparse.csgraph). Nothing is O(N^2): a million
sources group in seconds (bench/survey_grouping.py). Groups above
max_group_size are cut by recursive bisection; each group's neighbours (other
groups' sources whose footprints reach its cutouts) come from the same trees.
"""

import contextlib
import gc
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


def sky_of(xyz):
    """(ra, dec) in deg (ra in [0, 360)) of (N, 3) unit vectors."""
    dec = np.degrees(np.arcsin(np.clip(xyz[:, 2], -1.0, 1.0)))
    return np.mod(np.degrees(np.arctan2(xyz[:, 1], xyz[:, 0])), 360.0), dec


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
    catalogue has none) + psf_width, or with spec.segmentation, for a source with a segment, the
    radius of the disc holding its segment + psf_width; at most spec.max_footprint."""
    size = np.full(len(catalog), spec.default_size)
    if "size" in catalog.colnames:
        given = np.asarray(catalog["size"], float)
        size = np.where(np.isfinite(given) & (given > 0), given, size)
    radii = spec.footprint_scale * size + psf_width
    if spec.segmentation is not None:   # a source with a segment: the disc holding it, plus the PSF
        from .segmentation import Segmentation, footprint_radii as segment_radii

        held = segment_radii(Segmentation(spec.segmentation), np.asarray(catalog["id"]),
                             np.asarray(catalog["ra"], float), np.asarray(catalog["dec"], float))
        radii = np.where(np.isfinite(held), held + psf_width, radii)
    return np.minimum(radii, spec.max_footprint)


# Where the radius classes split the sources (fractions of them, smallest radii first): most
# sources in the first class, searched to tight bounds; the few large footprints apart.
_CLASS_SPLITS = (0.9, 0.99, 0.999)


def _classes(values):
    """Index arrays splitting ``values`` at the _CLASS_SPLITS fractions (smallest values first)."""
    order = np.argsort(values, kind="stable")
    cuts = sorted({int(f * len(order)) for f in _CLASS_SPLITS})
    return [part for part in np.split(order, cuts) if len(part)]


def linked_pairs(xyz, radii):
    """(i, j) index arrays of every pair (i < j) whose angular distance is below r_i + r_j (arcsec).

    The sources are split into classes by radius and each pair of classes is searched to its own
    largest sum of radii, so that a few large footprints do not widen every search."""
    from scipy.spatial import cKDTree

    groups = [(members, cKDTree(xyz[members], balanced_tree=False), float(radii[members].max()))
              for members in _classes(radii)]
    found_i, found_j = [], []
    for a, (members_a, tree_a, largest_a) in enumerate(groups):
        for members_b, tree_b, largest_b in groups[a:]:
            bound = float(chord(largest_a + largest_b))
            if members_b is members_a:
                pairs = tree_a.query_pairs(bound, output_type="ndarray")
                i, j = members_a[pairs[:, 0]], members_a[pairs[:, 1]]
            else:
                pairs = tree_a.sparse_distance_matrix(tree_b, bound, output_type="ndarray")
                i, j = members_a[pairs["i"]], members_b[pairs["j"]]
            distance = np.linalg.norm(xyz[i] - xyz[j], axis=1)
            keep = distance < chord(radii[i] + radii[j])
            found_i.append(np.minimum(i[keep], j[keep]))
            found_j.append(np.maximum(i[keep], j[keep]))
    return np.concatenate(found_i), np.concatenate(found_j)


def friends_of_friends(xyz, radii):
    """(N,) group label per point: connected components of the pairs whose angular distance is
    below the sum of their radii (arcsec). Labels are numbered by each group's first member."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(xyz)
    if n == 0:
        return np.zeros(0, np.int64)
    i, j = linked_pairs(xyz, radii)
    graph = coo_matrix((np.ones(len(i), np.int8), (i, j)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return _numbered_by_first_member(labels)


def _numbered_by_first_member(labels):
    """``labels`` renumbered 0, 1, ... in the order of each group's first member."""
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
    return _numbered_by_first_member(labels), split


def _group_geometry(order, starts, xyz, radii, margin):
    """Per group (members listed by ``order``, group k from starts[k]): the unit vector of its
    centre and the radius (arcsec) its cutouts cover: the farthest member footprint + margin."""
    sums = np.add.reduceat(xyz[order], starts, axis=0)
    centres = sums / np.linalg.norm(sums, axis=1)[:, None]
    sizes = np.diff(np.append(starts, len(order)))
    group_of = np.repeat(np.arange(len(starts)), sizes)
    reach = angle(np.linalg.norm(xyz[order] - centres[group_of], axis=1)) + radii[order]
    return centres, np.maximum.reduceat(reach, starts) + margin


def _neighbours(centres, reach, labels, xyz, radii):
    """(indices, bounds): group k's neighbours are indices[bounds[k]:bounds[k + 1]], sorted: the
    other groups' sources whose footprints reach within ``reach`` * sqrt(2) arcsec of its centre
    (the corners of its square cutouts).

    Groups and sources are split into classes by radius, so that each pair of classes is
    searched to its own largest radii (one huge footprint does not widen every search)."""
    from scipy.spatial import cKDTree

    box = reach * math.sqrt(2.0)
    found_groups, found_sources = [], []
    source_classes = [(members, cKDTree(xyz[members], balanced_tree=False), radii[members].max())
                      for members in _classes(radii)]
    for groups in _classes(box):
        group_tree = cKDTree(centres[groups], balanced_tree=False)
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
    return candidates.tolist(), np.searchsorted(group, np.arange(len(centres) + 1)).tolist()


def _costs(images, centres, reach):
    """Per group: the cutout pixels summed over the images that cover its centre (at least 1)."""
    cost = np.zeros(len(centres))
    if len(centres) == 0:
        return cost
    ra, dec = sky_of(centres)
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


@contextlib.contextmanager
def _collector_paused():
    """Python's cyclic garbage collector off for a while: building millions of small dicts and
    tasks (none cyclic) would otherwise trigger collections that walk all of them again and again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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
    neighbours, neighbour_bounds = _neighbours(centres, reach, labels, xyz, radii)
    costs = _costs(images, centres, reach)
    with _collector_paused():
        return _tasks(catalog, radii, centres, reach, order, starts, split, neighbours, neighbour_bounds, costs)


def _tasks(catalog, radii, centres, reach, order, starts, split, neighbours, neighbour_bounds, costs):
    """The GroupTasks from the planning arrays (see plan_groups)."""
    n = len(catalog)
    rows = _rows(catalog, radii)
    centre_ra, centre_dec = (values.tolist() for values in sky_of(centres))
    bounds = np.append(starts, n).tolist()
    group_split = split[order][starts].tolist()
    order = order.tolist()
    costs, reach = costs.tolist(), reach.tolist()
    row = rows.__getitem__
    split_flag = int(SourceFlag.GROUP_SPLIT)
    tasks = []
    for k in range(len(starts)):
        first, last = bounds[k], bounds[k + 1]
        members = (rows[order[first]],) if last == first + 1 else tuple(map(row, order[first:last]))
        first, last = neighbour_bounds[k], neighbour_bounds[k + 1]
        near = tuple(map(row, neighbours[first:last])) if last > first else ()
        tasks.append(GroupTask(k, members, near, split_flag if group_split[k] else 0, costs[k],
                               (centre_ra[k], centre_dec[k]), reach[k]))
    return tasks
