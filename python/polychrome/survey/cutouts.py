"""Cutouts of one group from every image, placed on the group's tangent plane, with coverage flags.

Per image: the pixel box around the group's centre that holds its cutout
region (task.radius arcsec, the members' footprints plus the margin), as
astropy's Cutout2D would cut it (``overlap_slices``, the box clipped at the
image edges), its variance and mask (the image's mask, NaN or inf data,
non-positive or NaN variance, and the footprints of neighbours outside the
group, unless ModelSpec.neighbours is "fit" and they are centred on the
cutout region: those are modelled instead), and the PSF. The cutout is placed on the group's TAN plane by the
local affine map of the image's WCS there (central differences over the
cutout radius: exact to second order over a cutout, so the centres agree
across images to far below a pixel). ``Cutout.wcs`` is the cutout's own
astropy WCS (the image's, shifted), built only when asked for.
"""

import dataclasses
import functools
import math

import numpy as np

from ..image import TargetImage
from .flags import SourceFlag
from .group_plane import GroupPlane
from .image_spec import open_image

# the flag bits as plain ints (numpy combines these faster than IntFlag members)
_NO_DATA, _PARTIAL, _TOO_FEW = (int(f) for f in (SourceFlag.NO_DATA, SourceFlag.PARTIAL_COVERAGE,
                                                  SourceFlag.TOO_FEW_PIXELS))


@dataclasses.dataclass
class Cutout:
    """One image's cutout of a group.

    label: the image's name; band; target: a TargetImage on the group plane
    (pixelscale/origin in arcsec); box: (x0, x1, y0, y1) pixel bounds in the
    full image (end-exclusive); pixels: (S,) unmasked pixels inside each
    source's footprint; inside: (S,) the source's centre lies on the image;
    cut: (S,) its footprint crosses an image edge; uses: (S,) the source is
    modelled on this cutout (centre inside, some unmasked footprint pixels).
    """

    label: str
    band: str
    target: TargetImage
    box: tuple
    pixels: np.ndarray
    inside: np.ndarray
    cut: np.ndarray
    full_wcs: object = None

    @property
    def uses(self):
        """(S,) bool: the sources modelled on this cutout (centre on the image, footprint pixels unmasked)."""
        return self.inside & (self.pixels > 0)

    @property
    def wcs(self):
        """The cutout's celestial astropy WCS (the full image's, its reference pixel shifted by the box)."""
        wcs = self.full_wcs.deepcopy()
        wcs.wcs.crpix = wcs.wcs.crpix - np.array([self.box[0], self.box[2]], float)
        wcs.pixel_shape = (self.box[1] - self.box[0], self.box[3] - self.box[2])
        wcs.wcs.set()
        return wcs


@dataclasses.dataclass
class GroupCutouts:
    """Every cutout of a group and what they say about each source.

    plane: the GroupPlane; centers: (S, 2) catalogue centres on it (arcsec);
    radii: (S,) footprint radii (arcsec); cutouts: the images with data on
    the group; flags: (S,) coverage SourceFlag bits; messages: (S,) lists of
    strings; fit: (S,) bool, the sources with enough data to fit.
    """

    plane: GroupPlane
    centers: np.ndarray
    radii: np.ndarray
    cutouts: list
    flags: np.ndarray
    messages: list
    fit: np.ndarray
    modelled: tuple = ()  # (neighbour row, plane centre (x, y)) of the neighbours to model (spec "fit")


def sky_probes(plane, radius, ra, dec):
    """(ra, dec) deg of the points local_pixel_map maps through an image's WCS: the plane's tangent
    point, the sources at ``ra``, ``dec`` (deg), and four points at +-max(radius, 1) arcsec along
    the plane axes (the same for every image of a group)."""
    step = max(radius, 1.0)
    ox, oy = plane.sky_points([step, -step, 0.0, 0.0], [0.0, 0.0, step, -step])
    return np.array([plane.ra0, *ra.tolist(), *ox]), np.array([plane.dec0, *dec.tolist(), *oy])


def _local_map(image, probes, radius):
    """([x, y] pixel of the tangent point, [(x, y)] of each source, B = d pixel / d plane as
    ((b00, b01), (b10, b11)) per arcsec), plain floats, by one WCS call on ``probes`` (sky_probes)."""
    x, y = (v.tolist() for v in image.sky_to_pixel(*probes))
    twice = 2.0 * max(radius, 1.0)
    B = (((x[-4] - x[-3]) / twice, (x[-2] - x[-1]) / twice), ((y[-4] - y[-3]) / twice, (y[-2] - y[-1]) / twice))
    return (x[0], y[0]), list(zip(x[1:-4], y[1:-4])), B


def local_pixel_map(image, plane, radius, ra, dec):
    """(pixel (S+1, 2) of the centre and the sources, B = d pixel / d plane (2x2, per arcsec)) by
    one WCS call: the sources and four points at +-radius along the plane axes."""
    centre, sources, B = _local_map(image, sky_probes(plane, radius, ra, dec), radius)
    return np.array([centre] + sources, float).reshape(-1, 2), np.array(B)


# A pixel-scale matrix this close (relative) to a rotation times a scale is made exactly one, so
# that square pixels stay square for the renderer (whose axis-ratio limit applies on the pixel grid).
_SQUARE_TOLERANCE = 1e-6


def _squared_up(A):
    """``A`` (2x2 arcsec per pixel, nested sequences of floats) replaced by the nearest scaled
    rotation (or reflection) when it differs from it by less than _SQUARE_TOLERANCE: the local map
    of a square-pixel WCS is one up to rounding, and a grid sheared by 1e-12 would keep the renderer
    from the axis ratios its limits allow. Returns a 2x2 array."""
    (a00, a01), (a10, a11) = A
    if a00 * a11 - a01 * a10 > 0:
        a, b = (a00 + a11) / 2, (a10 - a01) / 2
        similar = ((a, -b), (b, a))
    else:
        a, b = (a00 - a11) / 2, (a01 + a10) / 2
        similar = ((a, b), (b, -a))
    difference = math.hypot(a00 - similar[0][0], a01 - similar[0][1], a10 - similar[1][0], a11 - similar[1][1])
    return np.array(similar if difference <= _SQUARE_TOLERANCE * math.hypot(a00, a01, a10, a11) else A, float)


def _box(centre, B, radius, shape):
    """(x0, x1, y0, y1): the pixels whose centres lie within the plane square of half-side
    ``radius`` around ``centre`` ((x, y) pixel coordinates; B as from _local_map), clipped to the
    image; None if empty."""
    (cx, cy), ((b00, b01), (b10, b11)) = centre, B
    if not all(math.isfinite(v) for v in (cx, cy, b00, b01, b10, b11)):
        return None
    half_x, half_y = radius * math.hypot(b00, b01), radius * math.hypot(b10, b11)  # pixels
    x0 = max(math.ceil(cx - half_x - 1e-9), 0)
    x1 = min(math.floor(cx + half_x + 1e-9) + 1, shape[1])
    y0 = max(math.ceil(cy - half_y - 1e-9), 0)
    y1 = min(math.floor(cy + half_y + 1e-9) + 1, shape[0])
    if x0 >= x1 or y0 >= y1:
        return None
    return x0, x1, y0, y1


@functools.lru_cache(maxsize=64)
def _pixel_centres(n):
    """[0.5, 1.5, ..., n - 0.5]: the pixel-centre coordinates along an axis of ``n`` pixels (read-only;
    kept per size, cutouts come in a few sizes)."""
    centres = np.arange(n) + 0.5
    centres.flags.writeable = False
    return centres


def _pixel_planes(origin, A, shape):
    """Plane (X, Y) arcsec of every pixel centre of a cutout, each shaped (ny, nx); origin (x, y)
    and A ((a00, a01), (a10, a11)) as floats."""
    (a00, a01), (a10, a11) = A
    j, i = _pixel_centres(shape[1]), _pixel_centres(shape[0])
    return ((origin[0] + a01 * i)[:, None] + (a00 * j)[None, :],
            (origin[1] + a11 * i)[:, None] + (a10 * j)[None, :])


def _scaled_distances(X, Y, centers, radii):
    """(K, ny, nx): squared distance of each pixel from each centre in units of that centre's
    radius (< 1 inside its footprint; ordered like the distances)."""
    if len(centers) == 0:
        return np.zeros((0,) + X.shape)
    # (dx * dx + dy * dy) / radius^2, in place
    dx = X[None] - centers[:, 0, None, None]
    dx *= dx
    dy = Y[None] - centers[:, 1, None, None]
    dy *= dy
    dx += dy
    dx /= (radii * radii)[:, None, None]
    return dx


def _coverage(pixels, radii, x_per_arcsec, y_per_arcsec, shape):
    """((S,) centre on the image, (S,) footprint crossing its edge) for source pixel positions
    ``pixels`` [(x, y)], footprint ``radii`` (arcsec) reaching x_per_arcsec, y_per_arcsec pixels
    per arcsec along the axes, on an image of ``shape`` (ny, nx)."""
    ny, nx = shape
    inside, cut = [], []
    for (x, y), radius in zip(pixels, radii):
        on = -0.5 <= x <= nx - 0.5 and -0.5 <= y <= ny - 0.5
        reach_x, reach_y = radius * x_per_arcsec, radius * y_per_arcsec
        inside.append(on)
        cut.append(on and (x - reach_x < -0.5 or x + reach_x > nx - 0.5 or y - reach_y < -0.5
                           or y + reach_y > ny - 0.5))
    return np.array(inside, bool), np.array(cut, bool)


def _usable_pixels(image, slices):
    """(data, variance, bad) of the pixels ``slices`` of ``image`` (an OpenImage): float64 copies,
    bad where the mask is set or the data or the variance is not finite or the variance not
    positive; there the data are 0 and the variance 1 (the TargetImage's arrays as they are)."""
    data = np.array(image.data[slices], dtype=float)
    variance = image.variance_of(data, slices, unknown_as_nan=False)
    good = np.isfinite(data)
    good &= variance > 0.0
    good &= variance < math.inf  # with > 0: finite
    if image.mask is not None:
        good &= np.asarray(image.mask[slices]) == 0
    bad = ~good
    np.copyto(data, 0.0, where=bad)
    np.copyto(variance, 1.0, where=bad)
    return data, variance, bad


def image_cutout(image, probes, centers, radii, radius, neighbours=None, foreign=None):
    """The Cutout of ``image`` (an OpenImage) for sources at plane ``centers`` (S, 2 arcsec; their
    sky positions in ``probes``, see sky_probes) with footprint ``radii`` (S,), covering ``radius``
    arcsec around the plane's tangent point, or None when the image holds no pixel of it.
    neighbours: None or (centers (K, 2), radii (K,)) of sources outside the group: their footprint
    pixels are masked where they are nearer (in footprint radii) to the neighbour than to any
    member. foreign: None or a function of the cutout pixels' plane (X, Y) giving the pixels to
    mask as other sources' (a segmentation map's, see segmentation.foreign_pixels)."""
    centre, sources, B = _local_map(image, probes, radius)
    box = _box(centre, B, radius, image.shape)
    (b00, b01), (b10, b11) = B
    determinant = b00 * b11 - b01 * b10
    if box is None or determinant == 0:
        return None
    x0, x1, y0, y1 = box
    slices = (slice(y0, y1), slice(x0, x1))
    A = _squared_up(((b11 / determinant, -b01 / determinant), (-b10 / determinant, b00 / determinant)))
    origin = A @ np.array([x0 - 0.5 - centre[0], y0 - 0.5 - centre[1]])
    data, variance, bad = _usable_pixels(image, slices)
    X, Y = _pixel_planes(origin.tolist(), A.tolist(), data.shape)
    members = _scaled_distances(X, Y, centers, radii)  # squared, in footprint radii
    if neighbours is not None and len(neighbours[0]):
        nearest_member = members.min(axis=0) if len(members) else np.inf
        others = _scaled_distances(X, Y, *neighbours).min(axis=0)
        bad |= (others < 1.0) & (others < nearest_member)
    if foreign is not None:
        bad |= foreign(X, Y)
    in_footprint = members < 1.0
    in_footprint &= ~bad
    pixels = np.array([np.count_nonzero(m) for m in in_footprint], np.intp)
    inside, cut = _coverage(sources, radii.tolist(), math.hypot(b00, b01), math.hypot(b10, b11), image.shape)
    target = TargetImage.from_valid_arrays(data, variance, bad, A, origin, image.zeropoint)
    if image.psf is not None:
        target.psf_upsample = image.spec.psf_upsample
        target.psf = image.psf_on_grid(A / image.spec.psf_upsample)
    return Cutout(image.spec.label, image.spec.band, target, box, pixels, inside, cut, image.wcs)


class _Coverage:
    """What a group's images say about each of its ``count`` sources, tallied image by image in
    Python lists (a group has a few sources: numpy's per-call cost outweighs its loops here):
    inside (centre on a usable image), unusable_inside (centre on an image that cannot be used),
    covered_by (images modelling it), pixels (unmasked footprint pixels over those), cut
    (footprint crossing the edge of one of them); unreadable: an image could not be opened."""

    def __init__(self, count):
        self.inside, self.unusable_inside, self.cut = [False] * count, [False] * count, [False] * count
        self.covered_by, self.pixels = [0] * count, [0] * count
        self.unreadable = False

    def add_unusable(self, cutout):
        """Tally a cutout of an image that cannot be used; returns the sources centred on it."""
        on = [k for k, inside in enumerate(cutout.inside.tolist()) if inside]
        for k in on:
            self.unusable_inside[k] = True
        return on

    def add(self, cutout):
        """Tally a usable image's cutout; True when it models some source (it is kept then)."""
        on_image, pixels = cutout.inside.tolist(), cutout.pixels.tolist()
        uses = [inside and count > 0 for inside, count in zip(on_image, pixels)]
        self.inside = [a or b for a, b in zip(self.inside, on_image)]
        if not any(uses):
            return False
        for k, (used, count) in enumerate(zip(uses, pixels)):
            if used:
                self.covered_by[k] += 1
                self.pixels[k] += count
        self.cut = [a or b for a, b in zip(self.cut, cutout.cut.tolist())]
        return True

    def flags(self, kept, min_pixels):
        """([SourceFlag bits as ints], [fitted]) per source, with ``kept`` cutouts modelling some
        source and ``min_pixels`` the fewest unmasked footprint pixels to fit (see group_cutouts)."""
        flags, fit = [], []
        for inside, unusable, cut, covered_by, pixels in zip(self.inside, self.unusable_inside, self.cut,
                                                               self.covered_by, self.pixels):
            partial = inside and (cut or 0 < covered_by < kept or unusable)
            few = inside and (pixels < min_pixels or covered_by == 0)
            flags.append((_PARTIAL if self.unreadable or partial else 0) | (_TOO_FEW if few else 0)
                         | (0 if inside else _NO_DATA))
            fit.append(inside and not few)
        return flags, fit


def _positions(rows):
    return (np.array([row["ra"] for row in rows], float), np.array([row["dec"] for row in rows], float),
            np.array([row["footprint"] for row in rows], float))


def _plane_centers(plane, ra, dec):
    """(S, 2) plane (x, y) arcsec of the sources at ``ra``, ``dec`` (deg, arrays of S)."""
    return np.array(plane.plane_points(ra.tolist(), dec.tolist()), float).reshape(-1, 2)


def group_cutouts(task, images, spec):
    """GroupCutouts of ``task`` (a GroupTask) from ``images`` (ImageSpecs) under ``spec`` (ModelSpec).

    Per source: NO_DATA when no usable image has its centre; PARTIAL_COVERAGE
    when its footprint crosses an image edge, or some image lacks it while
    another has it, or an image could not be used (bad PSF, unreadable file:
    the message says which); TOO_FEW_PIXELS when fewer than spec.min_pixels
    unmasked pixels lie in its footprint over all images. Only sources with
    none of NO_DATA and TOO_FEW_PIXELS are fitted. Never raises for bad data.
    """
    ra, dec, radii = _positions(task.sources)
    centre = task.center if task.center is not None else (float(np.mean(ra)), float(np.mean(dec)))
    plane = GroupPlane(*centre)
    centers = _plane_centers(plane, ra, dec)
    radius = task.radius
    if radius is None:
        radius = float(np.max(np.hypot(centers[:, 0], centers[:, 1]) + radii)) + spec.cutout_margin
    neighbours, modelled = None, ()
    if task.neighbours:
        n_ra, n_dec, n_radii = _positions(task.neighbours)
        n_centers = _plane_centers(plane, n_ra, n_dec)
        if spec.neighbours == "fit":
            # the neighbours centred on the cutout region are modelled; the others stay masked
            on = np.all(np.abs(n_centers) <= radius, axis=1)
            modelled = tuple((row, tuple(xy)) for row, xy, o in zip(task.neighbours, n_centers.tolist(), on) if o)
            n_centers, n_radii = n_centers[~on], n_radii[~on]
        neighbours = (n_centers, n_radii)
    foreign = None
    if spec.segmentation is not None:
        from .segmentation import Segmentation, foreign_pixels

        segmentation = Segmentation(spec.segmentation)
        own = [row["id"] for row in task.sources] + [row["id"] for row, _ in modelled]

        def foreign(X, Y):
            return foreign_pixels(segmentation, plane, X, Y, own)
    count = len(task.sources)
    messages = [[] for _ in range(count)]
    coverage = _Coverage(count)
    cutouts = []
    probes = sky_probes(plane, radius, ra, dec)
    for spec_image in images:
        try:
            image = open_image(spec_image)
        except (OSError, ValueError, TypeError) as err:
            for text in messages:
                text.append(f"image {spec_image.label!r} not used: {err}")
            coverage.unreadable = True
            continue
        cutout = image_cutout(image, probes, centers, radii, radius, neighbours, foreign)
        if cutout is None:
            continue
        if image.problem is not None:
            for k in coverage.add_unusable(cutout):
                messages[k].append(f"{image.problem} (image not used)")
            continue
        if coverage.add(cutout):
            cutouts.append(cutout)
    flags, fit = coverage.flags(len(cutouts), spec.min_pixels)
    for k, (covered, pixels, unusable) in enumerate(zip(coverage.inside, coverage.pixels, coverage.unusable_inside)):
        if not covered:
            messages[k].append("no image covers the source" if not unusable else "no usable image covers the source")
        elif not fit[k]:
            messages[k].append(f"{pixels} unmasked pixels in the footprint (fewer than min_pixels = "
                               f"{spec.min_pixels})")
    flags, fit = np.array(flags, np.int64), np.array(fit, bool)
    return GroupCutouts(plane, centers, radii, cutouts, flags, messages, fit, modelled)
