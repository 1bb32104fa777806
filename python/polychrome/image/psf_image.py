"""PSFImage: a point-spread function sampled on a pixel grid, odd-sized, centred, summing to 1."""

import numpy as np

from ..psf import PointSourceRenderer, PsfConvolver
from ..utils.coordinates import pixelscale_matrix
from .array_checks import as_image_array
from .image import Image
from .plane_mapping import PlaneMapping
from .psf_extent import PsfExtent

# Most values a PSFImage keeps through ``derived`` (e.g. itself on other grids, its moments there).
DERIVED_KEPT = 16


def normalised_psf_array(data, name="psf"):
    """Check a PSF array (2-D, odd-sized, finite, clearly positive sum) and return a copy scaled to
    sum 1.

    "Clearly positive" is the core's rule (a sum above 1e-8 of the sum of the
    absolute values), checked by the core itself, so that a PSF accepted here
    is never refused later by the convolver.
    """
    array = as_image_array(data, name)
    if array.shape[0] % 2 == 0 or array.shape[1] % 2 == 0:
        raise ValueError(f"{name} must have an odd number of pixels on both axes so that it has a "
                         f"central pixel, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains {int(np.sum(~np.isfinite(array)))} NaN or inf pixel(s)")
    try:
        PsfConvolver(array)  # the core's one PSF check (cheap: it builds no transform yet)
    except ValueError as err:
        raise ValueError(f"{name}: {err}; a PSF whose pixels nearly cancel cannot be normalised") from None
    return array / array.sum()


class PSFImage(Image):
    """A PSF image: odd-sized, centred on its central pixel, **stored normalised to sum 1**.

    Parameters
    ----------
    data : array-like, 2-D
        PSF pixel values (any positive scale: they are divided by their sum).
    pixelscale : float or 2x2 array, optional
        Arcsec per PSF pixel. If None the PSF takes the grid of the image it
        is attached to (that image's pixel scale over ``psf_upsample``); used
        alone it is then 1.0.

    The plane origin is placed so that the centre of the central pixel is at
    plane (0, 0).
    """

    def __init__(self, data, pixelscale=None):
        self._set_normalised(normalised_psf_array(data, "psf data"), pixelscale)

    def _set_normalised(self, data, pixelscale):
        """Set up the PSF from ``data`` already checked and normalised by normalised_psf_array."""
        self.pixelscale_given = pixelscale is not None
        scale = pixelscale_matrix(1.0 if pixelscale is None else pixelscale)
        ny, nx = data.shape
        origin = -scale @ np.array([nx / 2.0, ny / 2.0])
        self._set_grid(data, PlaneMapping.affine_of_checked(scale, origin))
        self._convolver = None
        self._point_source_renderer = None
        self._extent = None

    def normalize(self):
        """AutoProf's call to make the PSF sum to 1: a PSFImage already does (its data are divided by
        their sum when built), so this checks that and returns the PSF."""
        total = float(np.sum(self.data))
        if not abs(total - 1.0) < 1e-9:
            raise ValueError(f"PSF sums to {total}, not 1: it was changed after construction; build a new "
                             "PSFImage from the changed array (it is normalised then)")
        return self

    @property
    def extent(self):
        """A :class:`PsfExtent` of this PSF (how far it carries light; its FWHM), measured on first use."""
        if getattr(self, "_extent", None) is None:
            self._extent = PsfExtent(self.data, self.pixelscale)
        return self._extent

    def derived(self, key, compute):
        """``compute()``, a value derived from this PSF's data alone (e.g. its second moments on a
        grid), computed on the first call with ``key`` (hashable) and kept: the DERIVED_KEPT
        latest keys (a survey places one PSF on a slightly different grid per group), not
        pickled; a view starts afresh."""
        cache = getattr(self, "_derived", None)
        if cache is None:
            cache = self._derived = {}
        if key not in cache:
            cache[key] = compute()
            while len(cache) > DERIVED_KEPT:
                del cache[next(iter(cache))]  # the oldest
        return cache[key]

    def pixel_derived(self, key, compute):
        """``derived(key, compute)`` for a value of the pixel values alone, whatever their grid
        (e.g. the second moments in PSF pixels): kept by the PSF these pixels were first given
        to, so that its every placement on a grid (``on_grid_of``) shares one."""
        owner = getattr(self, "_pixels_owner", None)
        return (self if owner is None else owner).derived(key, compute)

    @property
    def convolver(self):
        """A :class:`polychrome.psf.PsfConvolver` of this PSF, built on first use and kept.

        It caches the PSF's transform per FFT size, so every model rendered
        with this PSF shares one.
        """
        if self._convolver is None:
            self._convolver = PsfConvolver(self.data)
        return self._convolver

    @property
    def point_source_renderer(self):
        """A :class:`polychrome.psf.PointSourceRenderer` of this PSF, built on first use and kept."""
        if self._point_source_renderer is None:
            self._point_source_renderer = PointSourceRenderer(self.data)
        return self._point_source_renderer

    def on_grid_of(self, pixelscale):
        """This PSF on a grid of ``pixelscale`` (2x2, arcsec/pixel): a PSFImage sharing the data and
        this PSF's convolver and point-source renderer (the same object for every call with the
        same grid).

        Raises ValueError if this PSF was given a pixel scale that differs
        from ``pixelscale`` by more than 1e-3 (relative).
        """
        pixelscale = pixelscale_matrix(pixelscale)
        if self.pixelscale_given:
            mismatch = np.linalg.norm(self.pixelscale - pixelscale) / np.linalg.norm(pixelscale)
            if mismatch > 1e-3:
                raise ValueError(f"psf has pixelscale {self.pixelscale.tolist()} but the image needs "
                                 f"{pixelscale.tolist()} (target pixelscale / psf_upsample)")
        # one object per grid, so that images sharing this PSF share its moments on that grid; every
        # grid shares this PSF's convolver and point-source renderer (they depend on the pixels alone
        # and cache their FFTs per size: a survey places one PSF on a new grid per group)
        return self.derived(("on grid", pixelscale.tobytes()), lambda: self._placed_on(pixelscale))

    def _placed_on(self, pixelscale):
        # what PSFImage(self.data, pixelscale) holds, with this PSF's data checked and normalised
        # again only once for all its grids (a survey places it on a new grid per group)
        placed = PSFImage.__new__(PSFImage)
        placed._set_normalised(self._renormalised(), pixelscale)
        placed._convolver, placed._point_source_renderer = self.convolver, self.point_source_renderer
        placed._pixels_owner = getattr(self, "_pixels_owner", None) or self
        return placed

    def _renormalised(self):
        """normalised_psf_array(self.data): the data of this PSF placed on another grid (the same
        array for every placement; the division by the sum may move the last bits, so it is kept
        rather than skipped)."""
        if getattr(self, "_renormalised_data", None) is None:
            self._renormalised_data = normalised_psf_array(self.data, "psf data")
        return self._renormalised_data

    def __getstate__(self):
        """Pickle state without the convolver, point-source renderer and extent: caches derived
        from ``data`` (the convolver's FFT spectra grow with every window size it has served),
        rebuilt on first use after unpickling, bit-identical."""
        return {**super().__getstate__(), "_convolver": None, "_point_source_renderer": None, "_extent": None,
                "_derived": None, "_pixels_owner": None, "_renormalised_data": None}

    def _fill_view(self, view, slices):
        view.pixelscale_given = self.pixelscale_given
        view._convolver = None
        view._point_source_renderer = None
        view._extent = None
        view._derived = None
        view._pixels_owner = None
        view._renormalised_data = None
