"""Footprints and neighbour masks from a segmentation map.

A segmentation map (SExtractor's ``CHECKIMAGE_TYPE SEGMENTATION``,
photutils' ``SegmentationImage`` written to FITS) is an integer image with
its own WCS whose pixels hold the catalogue id of the source they belong to
(0: sky). Given one, a source's footprint is its segment (the disc around the
catalogue position that holds the segment, for grouping), and in every image
of a group the pixels of other sources' segments are masked.
"""

import functools
import threading

import numpy as np

from .cutouts import local_pixel_map
from .grouping import angle, unit_vectors

# The largest id find_objects indexes directly (one slot per id); larger ids are renumbered first.
_DIRECT_IDS = 10_000_000
_LOCK = threading.Lock()


class Segmentation:
    """A segmentation map: ``path`` of a FITS file, ``hdu`` (index or name) holding the labels.

    Pickles as its path: each process opens the file itself (memory-mapped, once, see
    open_segmentation)."""

    def __init__(self, path, hdu=0):
        self.path, self.hdu = str(path), hdu

    def __eq__(self, other):
        return isinstance(other, Segmentation) and (self.path, self.hdu) == (other.path, other.hdu)

    def __hash__(self):
        return hash((self.path, self.hdu))

    def __repr__(self):
        return f"Segmentation({self.path!r}, hdu={self.hdu!r})"

    def to_dict(self):
        return {"path": self.path, "hdu": self.hdu}

    def opened(self):
        """The map's labels (memory-mapped) and WCS, opened once per process."""
        return open_segmentation(self.path, self.hdu)


class OpenSegmentation:
    """An opened map: ``labels`` (ny, nx) integers, ``wcs`` (astropy, celestial)."""

    def __init__(self, labels, wcs, path):
        self.labels, self.wcs, self.path = labels, wcs, path

    def sky_to_pixel(self, ra, dec):
        """0-based pixel (x, y) of ra, dec (deg)."""
        return self.wcs.all_world2pix(np.asarray(ra, float), np.asarray(dec, float), 0)


@functools.lru_cache(maxsize=8)
def _open(path, hdu):
    from astropy.io import fits
    from astropy.wcs import WCS

    with fits.open(path, memmap=True) as hdus:
        header = hdus[hdu].header
        labels = hdus[hdu].data
        if labels is None or labels.ndim != 2:
            raise ValueError(f"segmentation map {path!r} (hdu {hdu!r}) must be a 2-D image of catalogue ids")
        if labels.dtype.kind not in "iu":
            if not np.array_equal(labels, np.round(labels)):
                raise ValueError(f"segmentation map {path!r} must hold whole-number ids (0: sky)")
        wcs = WCS(header, naxis=2)
        if not wcs.has_celestial:
            raise ValueError(f"segmentation map {path!r} needs a celestial WCS in its header")
        return OpenSegmentation(np.asarray(labels), wcs.celestial, path)


def open_segmentation(path, hdu=0):
    """The OpenSegmentation of ``path`` (cached per process; thread-safe)."""
    with _LOCK:
        return _open(str(path), hdu)


def _bounding_boxes(labels, ids):
    """{id: (y0, y1, x0, x1)} pixel bounding boxes of the segments of ``ids`` present in ``labels``."""
    from scipy import ndimage

    wanted = np.asarray(ids, np.int64)
    top = int(labels.max()) if labels.size else 0
    if top <= _DIRECT_IDS and int(labels.min()) >= 0:
        slices = ndimage.find_objects(np.asarray(labels, np.int64))
        lookup = {label: slices[label - 1] for label in wanted.tolist() if 0 < label <= len(slices)}
    else:   # ids too large (or negative) to index: renumber the labels present
        present, numbered = np.unique(labels, return_inverse=True)
        slices = ndimage.find_objects(numbered.reshape(labels.shape) + 1)
        position = {int(label): k for k, label in enumerate(present.tolist())}
        lookup = {label: slices[position[label]] for label in wanted.tolist() if label in position and label != 0}
    return {label: (s[0].start, s[0].stop, s[1].start, s[1].stop) for label, s in lookup.items() if s is not None}


def footprint_radii(segmentation, ids, ra, dec):
    """(N,) arcsec: per source, the radius around (ra, dec) of the disc holding its segment's
    bounding box (pixel edges included); NaN for a source without a segment."""
    ids = np.asarray(ids)
    if ids.dtype.kind not in "iu":
        raise ValueError("a segmentation map needs integer catalogue ids (its pixels hold them); "
                         f"the catalogue's ids are {ids.dtype}")
    opened = segmentation.opened()
    boxes = _bounding_boxes(opened.labels, ids)
    radii = np.full(len(ids), np.nan)
    rows = [k for k, label in enumerate(ids.tolist()) if label in boxes]
    if not rows:
        return radii
    corners = np.array([[(x, y) for y in (box[0] - 0.5, box[1] - 0.5) for x in (box[2] - 0.5, box[3] - 0.5)]
                        for box in (boxes[int(ids[k])] for k in rows)])          # (M, 4, 2) pixel
    sky_ra, sky_dec = opened.wcs.all_pix2world(corners[..., 0].ravel(), corners[..., 1].ravel(), 0)
    sources = np.repeat(unit_vectors(np.asarray(ra, float)[rows], np.asarray(dec, float)[rows]), 4, axis=0)
    chords = np.linalg.norm(unit_vectors(sky_ra, sky_dec) - sources, axis=1)
    distance = angle(chords).reshape(-1, 4).max(axis=1)
    radii[rows] = distance
    return radii


def foreign_pixels(segmentation, plane, X, Y, members):
    """(ny, nx) bool: the cutout pixels at plane (X, Y) arcsec (``plane`` a GroupPlane) that the
    map gives to a source outside ``members`` (ids): pixel centres looked up in the map's
    nearest pixel through its WCS' local affine map at the plane's tangent point (exact to
    second order over a cutout); pixels off the map or on sky (0) are not foreign."""
    opened = segmentation.opened()
    reach = max(float(np.max(np.abs(X))) if X.size else 1.0, float(np.max(np.abs(Y))) if Y.size else 1.0, 1.0)
    pixel, jacobian = local_pixel_map(opened, plane, reach, np.zeros(0), np.zeros(0))
    column = np.rint(pixel[0, 0] + jacobian[0, 0] * X + jacobian[0, 1] * Y).astype(np.int64)
    row = np.rint(pixel[0, 1] + jacobian[1, 0] * X + jacobian[1, 1] * Y).astype(np.int64)
    ny, nx = opened.labels.shape
    on_map = (column >= 0) & (column < nx) & (row >= 0) & (row < ny)
    labels = np.zeros(X.shape, np.int64)
    labels[on_map] = opened.labels[row[on_map], column[on_map]]
    return (labels != 0) & ~np.isin(labels, np.asarray(list(members), np.int64)) & on_map
