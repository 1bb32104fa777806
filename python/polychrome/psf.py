"""PSF objects of the core: FFT convolution and sub-pixel placement.

A PSF is an image, odd-sized, whose centre is pixel ``(ny // 2, nx // 2)``,
given at the target pixel scale or ``psf_upsample`` times finer (an integer).
Both objects normalise it to unit sum on construction, so any positive total
is accepted and convolution conserves flux; an even size, a non-finite value or
a sum that is not clearly positive raises ``ValueError``.

:class:`PsfConvolver` caches the PSF's transform per FFT size: build one per
PSF and pass it (rather than the array) to
:func:`polychrome.render_profile` when rendering many times.
:class:`PointSourceRenderer` holds the PSF's transform for sub-pixel shifts
(see :func:`polychrome.point_source_image`).
Both pickle as their normalised PSF alone; the transforms are rebuilt on
first use after unpickling, and give bit-identical results.
"""

import numbers

import numpy as np

from . import _core

PsfConvolver = _core.PsfConvolver
PointSourceRenderer = _core.PointSourceRenderer


def _psf_array(psf):
    array = np.asarray(psf, dtype=float)
    if array.ndim != 2:
        raise ValueError(f"psf must be a 2D array (or a PSF object), got {array.ndim} dimensions")
    return array


def as_convolver(psf):
    """``psf`` as a :class:`PsfConvolver` (built from an array, or returned as given)."""
    if isinstance(psf, PsfConvolver):
        return psf
    return PsfConvolver(_psf_array(psf))


def as_point_source_renderer(psf):
    """``psf`` as a :class:`PointSourceRenderer` (built from an array, or returned as given)."""
    if isinstance(psf, PointSourceRenderer):
        return psf
    return PointSourceRenderer(_psf_array(psf))


def check_psf_upsample(psf_upsample):
    """Return ``psf_upsample`` as an int, or raise ValueError unless it is an integer >= 1."""
    if isinstance(psf_upsample, bool) or not isinstance(psf_upsample, numbers.Integral):
        raise ValueError(f"psf_upsample must be an integer >= 1, got {psf_upsample!r}")
    if psf_upsample < 1:
        raise ValueError(f"psf_upsample must be an integer >= 1, got {psf_upsample}")
    return int(psf_upsample)
