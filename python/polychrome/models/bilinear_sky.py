"""The bilinear sky model: a background interpolated bilinearly between a grid of free nodes."""

import numpy as np

from .component_model import ComponentModel
from .initialization import WindowPixels, clipped_linear_fit
from .parameter_spec import LINEAR_SKY_LIMITS, ParameterSpec
from .registry import register

DEFAULT_NODES = (3, 3)
MAX_NODES = 100  # per axis


@register
class BilinearSky(ComponentModel):
    """A background varying across the window: bilinear interpolation between nodes.

    S(x, y) = sum_ij I[i, j] b_i(y) b_j(x), flux/arcsec^2, where b_j are
    the hat functions of nodes evenly spaced over the window in pixel
    coordinates: the first and last nodes of each axis sit on the centres
    of the window's first and last pixels (the half pixels beyond continue
    the end cells' linear functions). A pixel holds the exact mean of S
    over its area times the pixel area, so that a coarse grid is sampled
    without error whatever the pixel scale.

    Parameter ``I``: the node values, **linear** flux/arcsec^2 (like the
    flat sky's ``F``), shape ``nodes`` = (rows along y, columns along x):
    ``I[0, 0]`` at the window's first pixel (row 0, column 0), ``I[-1, -1]``
    at its last. Option ``nodes``: that shape, two integers in [1, 100],
    each at most the window's pixels along its axis; default the shape of
    a given ``I``, else (3, 3). Not PSF-convolved: psf_mode "none" only.
    AutoProf/AstroPhot name: "bilinear sky model" (AstroPhot's grid has its
    own angle and scale parameters; here the grid follows the window).
    """

    model_type = "bilinear sky model"
    parameter_specs = (ParameterSpec("I", "flux/arcsec^2", limits=LINEAR_SKY_LIMITS, shape=None),)
    options = {"nodes": None}
    psf_modes = ("none",)

    def _check_options(self):
        if self.nodes is None:
            return  # from a given I, or DEFAULT_NODES, when the model gets its target
        try:
            nodes = tuple(int(n) for n in self.nodes)
            exact = all(float(n) == int(n) for n in self.nodes)
        except (TypeError, ValueError):
            raise TypeError(f"model {self.name!r}: nodes must be two integers (rows, columns), "
                            f"got {self.nodes!r}") from None
        if len(nodes) != 2 or not exact or not all(1 <= n <= MAX_NODES for n in nodes):
            raise ValueError(f"model {self.name!r}: nodes must be two integers (rows, columns) in "
                             f"[1, {MAX_NODES}], got {self.nodes!r}")
        self.nodes = nodes

    def _parameter_shape(self, spec):
        return None if self.nodes is None else tuple(self.nodes)

    def _attach(self, target, window):
        nodes = self.nodes
        if nodes is None:
            value = self.parameters["I"].value
            if value is not None and np.ndim(value) != 2:
                raise ValueError(f"model {self.name!r}: I must be a 2-D grid of node values (rows, columns), "
                                 f"got shape {np.shape(value)}")
            nodes = DEFAULT_NODES if value is None else np.shape(value)
        _check_nodes_fit(self.name, nodes, window.shape)
        self.nodes = tuple(int(n) for n in nodes)

    def _weights(self):
        """(rows (ny, my), columns (nx, mx)): each pixel's mean of each node's hat function."""
        shape = tuple(self._window.shape)
        key = (shape, tuple(self.nodes))
        if getattr(self, "_weights_key", None) != key:
            _check_nodes_fit(self.name, self.nodes, shape)
            self._weights_cache = (pixel_means_of_hats(shape[0], self.nodes[0]),
                                   pixel_means_of_hats(shape[1], self.nodes[1]))
            self._weights_key = key
        return self._weights_cache

    def _render(self, jacobian):
        grid = np.asarray(self._values()["I"], float)
        rows, columns = self._weights()
        area = self._target.pixel_area
        image = area * (rows @ grid @ columns.T)
        if not jacobian:
            return image, None
        # d pixel / d I[i, j] = area x rows[:, i] x columns[:, j], in the order of I.ravel()
        columns_of = area * np.einsum("yi,xj->ijyx", rows, columns)
        return image, columns_of.reshape((-1,) + image.shape)

    def initialize(self, foreground=None):
        """Set ``I`` (when unset) by a sigma-clipped least-squares fit of the bilinear surface to
        the window's unmasked pixels (flux/arcsec^2; the data less ``foreground``, flux per pixel
        on the window, when given): sources are clipped as outliers."""
        if self.parameters["I"].value is not None:
            return self
        pixels = WindowPixels(self, foreground)
        rows, columns = self._weights()
        r, c = pixels.grid_index
        design = np.einsum("pi,pj->pij", rows[r], columns[c]).reshape(r.size, -1)
        start = np.full(design.shape[1], float(np.median(pixels.values)) / pixels.area)
        fitted = clipped_linear_fit(design, pixels.values / pixels.area, start)
        self.parameters["I"].value = fitted.reshape(self.nodes)
        return self


def _check_nodes_fit(name, nodes, shape):
    if nodes[0] > shape[0] or nodes[1] > shape[1]:
        raise ValueError(f"model {name!r}: nodes {tuple(nodes)} (rows, columns) must be at most the window's "
                         f"pixels {tuple(shape)} (rows, columns)")


def pixel_means_of_hats(pixels, nodes):
    """(pixels, nodes): the mean over each pixel (unit width, centred on 0 .. pixels - 1) of each
    node's hat function, nodes evenly spaced from 0 to pixels - 1; linear continuation beyond the
    end nodes. Exact: the functions are integrated piece by piece between pixel edges and nodes."""
    if nodes == 1:
        return np.ones((pixels, 1))
    knots = np.linspace(0.0, pixels - 1.0, nodes)
    edges = np.arange(pixels + 1) - 0.5
    points = np.union1d(edges, knots)
    values = _hat_values(points, knots)
    pieces = 0.5 * (values[:-1] + values[1:]) * np.diff(points)[:, None]  # trapezoids: exact for lines
    owner = np.clip(np.floor(0.5 * (points[:-1] + points[1:]) + 0.5).astype(int), 0, pixels - 1)
    means = np.zeros((pixels, nodes))
    np.add.at(means, owner, pieces)
    return means


def _hat_values(x, knots):
    """(x.size, knots.size): the piecewise-linear interpolation basis at ``x`` (linear beyond the ends)."""
    cell = np.clip(np.searchsorted(knots, x, side="right") - 1, 0, knots.size - 2)
    u = (x - knots[cell]) / (knots[cell + 1] - knots[cell])
    values = np.zeros((x.size, knots.size))
    index = np.arange(x.size)
    values[index, cell] = 1.0 - u
    values[index, cell + 1] += u
    return values
