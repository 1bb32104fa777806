"""Header cards that carry the plane grid of an image without a celestial WCS.

An image without WCS is placed on the plane by its pixel-scale matrix and
origin (arcsec). Written to FITS they are kept in these polychrome cards,
beside a LINEAR CD-matrix description for viewers, so that reading the file
back gives the same grid exactly (floats are written in Python's shortest
round-trip form). The card names share nothing with the FITS WCS keywords, and a
celestial WCS in the same header takes precedence over them.
"""

import numpy as np
from astropy.io import fits

# Pixel-scale matrix element P[i, j] (arcsec per pixel), and origin (arcsec) x, y.
PIXELSCALE_CARDS = (("PCHPS1_1", 0, 0), ("PCHPS1_2", 0, 1), ("PCHPS2_1", 1, 0), ("PCHPS2_2", 1, 1))
ORIGIN_CARDS = ("PCHORIG1", "PCHORIG2")


def plane_grid_cards(image):
    """[astropy Card] holding ``image``'s pixel-scale matrix and origin, each value written with
    Python's shortest round-trip representation (astropy's own formatting keeps 16 digits)."""
    matrix = np.asarray(image.pixelscale, dtype=float)
    origin = np.asarray(image.origin, dtype=float)
    cards = [_exact_card(key, matrix[i, j], f"polychrome pixelscale[{i},{j}] arcsec/pixel")
             for key, i, j in PIXELSCALE_CARDS]
    cards += [_exact_card(key, origin[k], f"polychrome origin {'xy'[k]} arcsec, pixel 0,0 corner")
              for k, key in enumerate(ORIGIN_CARDS)]
    return cards


def _exact_card(key, value, comment):
    return fits.Card.fromstring(f"{key:<8}= {repr(float(value)).upper():>20} / {comment}")


def plane_grid_from(header, name="data"):
    """(pixelscale 2x2, origin (x, y)) from the polychrome cards of ``header``, or None without them.

    Raises ValueError naming the card when one is missing or not a number.
    """
    keys = [key for key, _, _ in PIXELSCALE_CARDS] + list(ORIGIN_CARDS)
    present = [key for key in keys if key in header]
    if not present:
        return None
    values = {}
    for key in keys:
        value = header.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
            raise ValueError(f"{name}: header card {key} must be a finite number (polychrome plane grid, "
                             f"arcsec), got {value!r}")
        values[key] = float(value)
    matrix = np.empty((2, 2))
    for key, i, j in PIXELSCALE_CARDS:
        matrix[i, j] = values[key]
    return matrix, (values[ORIGIN_CARDS[0]], values[ORIGIN_CARDS[1]])
