"""JacobianImage: derivatives of a model image with respect to its free parameters."""

import numpy as np


class JacobianImage:
    """The Jacobian of a model over one window of one target.

    Attributes
    ----------
    data : numpy.ndarray, shape (n_free, ny, nx)
        ``data[k, i, j]`` = d(pixel (i, j), flux) / d(free scalar k), per
        unit of that parameter (arcsec for centres and radii, radians for
        PA, dex for log10 brightnesses, ...). PSF-convolved like the image.
    names : list of str
        Column names, ``"model:parameter"``, with ``[k]`` for the elements
        of array parameters (``"gal:center[0]"`` is d/dx). A quantity shared
        by linked parameters has one column, named after its first
        parameter met, holding the sum of all their derivatives.
    window : Window
        The window of the target the pixels belong to.
    free : polychrome.param.FreeParameters
        The layout of the columns: ``free.get_values()`` are the current
        values of the column quantities, ``free.set_values`` writes them back.
    """

    def __init__(self, data, names, window, free):
        self.data = data
        self.names = list(names)
        self.window = window
        self.free = free
        if data.shape != (len(self.names),) + tuple(window.shape):
            raise ValueError(f"Jacobian data has shape {data.shape}, expected "
                             f"{(len(self.names),) + tuple(window.shape)}")

    @property
    def shape(self):
        """(n_free, ny, nx)."""
        return self.data.shape

    def column(self, name):
        """The [ny, nx] derivative image of the column called ``name``."""
        try:
            return self.data[self.names.index(name)]
        except ValueError:
            raise KeyError(f"no Jacobian column named {name!r}; columns: {self.names}") from None

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.data, dtype=dtype)

    def __repr__(self):
        return f"JacobianImage(shape={self.shape}, columns={self.names})"
