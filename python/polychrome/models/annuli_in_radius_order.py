"""Annuli of a window's pixels taken in elliptical-radius order (RadialProfile's clipping).

Sorted by radius, the pixels of an annulus (edges[k] <= R < edges[k+1]) are one run of the
order: each annulus is a slice, found by a binary search of its edges, and no pixel needs its
annulus number. ``clipped_to_annuli``'s numbers (the same medians, MADs and replacements, bit
for bit) at under half its instructions on survey windows: no argsort of the values, no radix
sort by annulus and none of their gathers, each annulus' values sorted on their own (np.sort),
only the ~13 annuli of 5 or more pixels, in the core (cpp/src/annulus_clipping.cpp). Measured
2026-12-04 (callgrind, the first 40 isolated1 windows): 1127k -> 601k -> 510k instructions per
window in numpy, and the pixels' annulus numbers are no longer searched (~160k); then the loop
moved into the core.
"""

import numpy as np

from .. import _core

def annulus_starts(ordered_radius, edges):
    """The positions (ints, len(edges)) in ``ordered_radius`` (elliptical radii sorted ascending,
    arcsec) where each annulus starts: annulus k (edges[k] <= R < edges[k+1]) is positions
    starts[k]:starts[k+1]; the pixels at starts[-1] and after are beyond the last edge."""
    return np.searchsorted(ordered_radius, edges, side="left").tolist()


def clipped_in_radius_order(ordered_flux, starts, clip=3.0):
    """``ordered_flux`` (pixels in radius order, flux per pixel; not modified) with each value
    above its annulus' median + ``clip`` sigma (sigma = 1.4826 x the MAD) replaced by that
    median, as clipped_to_annuli does (the same numbers): annuli given by ``starts``
    (annulus_starts), annuli of fewer than 5 pixels (clipped_to_annuli's rule) and the pixels beyond the
    last annulus unchanged. Returns a new array."""
    # the core: each annulus' values sorted, medians and MAD as numpy's (the loop's ~8 numpy
    # calls per annulus were ~510k instructions per survey window)
    return _core.clip_annuli(ordered_flux, starts, float(clip))


def in_pixel_order(order, starts, ordered_flux, flux):
    """(annulus, clipped flux) of every pixel in the pixels' own order, from their radius order
    ``order`` (the permutation sorting the radii), ``starts`` (annulus_starts) and
    ``ordered_flux`` (clipped_in_radius_order's, of the first starts[-1] pixels at least):
    each pixel's annulus number (len(starts) - 1 beyond the last annulus, np.digitize's less
    one) and ``flux`` with the clipped values in place (a new array)."""
    bins, inside = len(starts) - 1, order[:starts[-1]]
    annulus = np.full(flux.size, bins, dtype=np.intp)
    annulus[inside] = np.repeat(np.arange(bins), np.diff(starts))
    clipped = flux.copy()
    clipped[inside] = ordered_flux[:starts[-1]]
    return annulus, clipped
