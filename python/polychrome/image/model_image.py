"""ModelImage: a rendered model on a pixel grid."""

import numpy as np

from ..utils.arguments import as_shape
from .array_checks import as_image_array, check_same_shape
from .image import Image
from .plane_mapping import PlaneMapping
from .window import Window


def _as_shape(shape):
    try:
        return as_shape(shape, minimum=1)
    except ValueError as err:
        raise ValueError(f"{err} (or give a Window)") from None


class ModelImage(Image):
    """A model image, flux per pixel, ``data[y, x]``.

    Parameters
    ----------
    shape_or_window : (int, int) or Window
        (ny, nx) of a free-standing grid, or a Window of an image: the model
        image then covers that box, on that image's grid and plane placement.
    pixelscale : float or 2x2 array, optional
        Arcsec per pixel (default 1.0); only with a shape.
    origin : (float, float), optional
        Plane position (arcsec) of the outer corner of pixel (0, 0), default
        (0, 0); only with a shape.
    data : array-like, optional
        Initial values (default zeros), shape (ny, nx).
    """

    def __init__(self, shape_or_window, pixelscale=None, origin=None, data=None):
        if isinstance(shape_or_window, Window):
            if pixelscale is not None or origin is not None:
                raise ValueError("with a window, pixelscale and origin come from its image; do not give them")
            window = shape_or_window
            shape = window.shape
            mapping = window.image.mapping.shifted(window.x_start, window.y_start, shape)
        else:
            window = None
            shape = _as_shape(shape_or_window)
            mapping = PlaneMapping(1.0 if pixelscale is None else pixelscale,
                                   (0.0, 0.0) if origin is None else origin)
        if data is None:
            values = np.zeros(shape)
        else:
            values = as_image_array(data, "data")
            check_same_shape(values, "data", shape)
        self.source_window = window
        self._set_grid(values, mapping)

    @property
    def flux(self):
        """Total flux, the sum of all pixels."""
        return float(self.data.sum())

    def save(self, filename, overwrite=True):
        """Write the model image (flux per pixel) to ``filename`` (FITS, with the plane grid or WCS of
        its image); an existing file is replaced unless ``overwrite=False``. Returns ``filename``."""
        from ..io.fits_output import write_fits

        write_fits(filename, self, overwrite=overwrite)
        return filename

    def _fill_view(self, view, slices):
        view.source_window = None
