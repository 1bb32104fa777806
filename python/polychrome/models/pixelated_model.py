"""The pixelated model (AstroPhot's "pixelated model"): a free grid of surface brightnesses on the sky."""

import math

import numpy as np
import scipy.sparse
from scipy import ndimage

from .. import _core
from .automatic_window import bounds_around
from .component_model import ComponentModel
from .initialization import WindowPixels
from .parameter_spec import CENTER, LINEAR_SKY_LIMITS, SIZE_LIMITS, ParameterSpec
from .registry import register

MAX_NODES = 200  # per axis: the fitter's Jacobian is dense, nodes x pixels
# parameters locked unless the user unlocks them (as in AstroPhot: the grid's geometry and the
# scale factor are fixed; the node values are fitted)
LOCKED_BY_DEFAULT = ("PA", "pixelscale", "scale")


@register
class PixelatedModel(ComponentModel):
    """A source given as a grid of surface brightnesses on the sky, bilinearly interpolated.

    Parameters (AstroPhot's names and order):

    - ``center`` [x, y], arcsec: the grid's centre (the middle of its node
      array) on the plane.
    - ``I``, flux/arcsec^2, shape (rows, columns) = ``grid_shape``, at least
      2 x 2: the surface brightness at each node, **linear** (not log10), any
      sign. ``I[r, c]`` sits at ``center + R(PA) * pixelscale * (c - (nc-1)/2,
      r - (nr-1)/2)``: columns along the grid's own x axis, rows along its y.
    - ``PA``, rad, cyclic on [0, 2 pi): the rotation of the grid's x axis
      counter-clockwise from the plane's +x (not pi-symmetric). Locked by
      default.
    - ``pixelscale``, arcsec per grid cell, in [1e-6, 1e6]. Locked by default.
    - ``scale``, no units, >= 0, default 1: multiplies the whole brightness.
      Locked by default (it is degenerate with ``I``).

    Brightness: the bilinear interpolant of ``I`` between the nodes. Extent
    (as AstroPhot's ``interp2d``): the grid covers its nodes' cells, i.e. the
    nodes' hull grown by half a cell on every side (``grid_shape`` x
    ``pixelscale`` in all); on that half-cell border the outer cells'
    bilinear functions continue linearly (AstroPhot's clamped cells); the
    brightness is zero beyond. The total flux is the integral of the
    interpolant over that rectangle (``total_flux()``).

    Each pixel is the exact integral of the brightness over the pixel (any
    2x2 pixel-scale matrix, the grid rotated): the core clips every pixel
    against the grid's cells and integrates the bilinear basis functions
    over the clipped polygons (Green's theorem), giving a sparse pixel x
    node matrix W: image = scale x W @ I. The Jacobian in ``I`` is scale x
    W; in ``center``, ``PA`` and ``pixelscale`` it is analytic and exact
    (the pixel edges moving through the interpolant); in ``scale`` it is W @ I.
    With psf_mode "full" everything is rendered on the window grown by the
    PSF's half-size (``psf_upsample`` times finer) and convolved with the
    PSF image (the target's or the model's own ``psf``; a live PSF model
    is refused).

    Options: ``grid_shape`` (rows, columns), each in [2, 200]; default the
    shape of a given ``I``, else the window's shape (one node per pixel, as
    AstroPhot). The fitter's Jacobian is dense: nodes x window pixels x 8
    bytes, so keep the grid (or the window) small when fitting.

    ``initialize()`` sets what has no value: ``pixelscale`` the target's
    (sqrt of the pixel area; for a ``grid_shape`` coarser than the window,
    that times the window's pixels per node on its more stretched axis, so
    the grid spans the window), ``PA`` the angle of the target's pixel x
    axis, ``center`` the window's centre, ``I`` the data (less
    ``foreground``) per pixel area sampled bilinearly at the nodes (masked
    pixels replaced by the median; for a coarse grid the data are first
    averaged over boxes of about a cell): with the defaults the nodes are
    the pixel centres and ``I`` is the data divided by the pixel area
    (AstroPhot's start).
    """

    model_type = "pixelated model"
    parameter_specs = (
        CENTER,
        ParameterSpec("I", "flux/arcsec^2", limits=LINEAR_SKY_LIMITS, shape=None),
        ParameterSpec("PA", "rad", limits=(0.0, 2.0 * math.pi), cyclic=True),
        ParameterSpec("pixelscale", "arcsec/cell", limits=SIZE_LIMITS),
        ParameterSpec("scale", "", limits=(0.0, None)),
    )
    options = {"grid_shape": None}
    _parameter_order = ("center", "I", "PA", "pixelscale", "scale")

    # --- options and parameters ------------------------------------------------------------
    def _from_autoprof_names(self, values):
        values = dict(values)
        values.setdefault("scale", 1.0)
        for name in LOCKED_BY_DEFAULT:
            given = values.get(name)
            if isinstance(given, dict):
                values[name] = {"locked": True, **given}
                if name == "scale" and given.get("value") is None:
                    values[name]["value"] = 1.0
            else:
                values[name] = {"value": given, "locked": True}
        given = values.get("I")
        if isinstance(given, dict):
            if given.get("value") is not None:
                values["I"] = {**given, "value": self._checked_values(given["value"])}
        elif given is not None:
            values["I"] = self._checked_values(given)
        given = values.get("I")
        value = given.get("value") if isinstance(given, dict) else given
        if self.grid_shape is None and value is not None:
            self.grid_shape = tuple(np.shape(value))
        return values

    def _checked_values(self, value):
        """``value`` as a 2-D float array of finite node values, else an error naming ``I``."""
        try:
            array = np.array(value, dtype=float)
        except (TypeError, ValueError):
            raise TypeError(f"model {self.name!r}: I must be a 2-D array of node surface brightnesses "
                            f"(flux/arcsec^2), got {type(value).__name__}") from None
        if array.ndim != 2:
            raise ValueError(f"model {self.name!r}: I must be a 2-D array (rows, columns) of node surface "
                             f"brightnesses (flux/arcsec^2), got {array.ndim} dimension(s), shape {array.shape}")
        if not np.all(np.isfinite(array)):
            raise ValueError(f"model {self.name!r}: I (flux/arcsec^2) must be finite; "
                             f"{int(np.sum(~np.isfinite(array)))} node value(s) are NaN or infinite")
        _check_grid_shape(self.name, array.shape, "I's shape")
        return array

    def _check_options(self):
        if self.grid_shape is None:
            return
        try:
            shape = tuple(int(n) for n in self.grid_shape)
            exact = all(float(n) == int(n) for n in self.grid_shape)
        except (TypeError, ValueError):
            raise TypeError(f"model {self.name!r}: grid_shape must be two integers (rows, columns), "
                            f"got {self.grid_shape!r}") from None
        if len(shape) != 2 or not exact:
            raise ValueError(f"model {self.name!r}: grid_shape must be two integers (rows, columns), "
                             f"got {self.grid_shape!r}")
        _check_grid_shape(self.name, shape)
        self.grid_shape = shape

    def _set_psf(self, psf):
        from .model import Model as _Model

        if isinstance(psf, _Model):
            raise ValueError(f"model {self.name!r}: a pixelated model convolves with a PSF image (a PSFImage or "
                             "2-D array, or the target's PSF); a live PSF model is not supported")
        ComponentModel.psf.fset(self, psf)

    psf = property(ComponentModel.psf.fget, _set_psf, doc=ComponentModel.psf.__doc__)

    def _parameter_shape(self, spec):
        if spec.name == "I":
            return None if self.grid_shape is None else tuple(self.grid_shape)
        return spec.shape

    def _attach(self, target, window):
        if self.grid_shape is None:
            value = self.parameters["I"].value
            shape = tuple(window.shape) if value is None else np.shape(value)
            _check_grid_shape(self.name, shape, "the window's shape (the default grid_shape)")
            self.grid_shape = tuple(int(n) for n in shape)

    def _values(self):
        values = super()._values()
        if not np.all(np.isfinite(values["I"])):
            raise ValueError(f"model {self.name!r}: I (flux/arcsec^2) must be finite")
        if not float(values["pixelscale"]) > 0.0:
            raise ValueError(f"model {self.name!r}: pixelscale must be > 0 arcsec per cell, "
                             f"got {values['pixelscale']}")
        return values

    # --- rendering -------------------------------------------------------------------------
    def _geometry(self, values):
        center = np.asarray(values["center"], float)
        return dict(grid_shape=tuple(self.grid_shape), center=(float(center[0]), float(center[1])),
                    PA=float(values["PA"]), scale=float(values["pixelscale"]))

    def _weights(self, shape, origin, pixelscale, geometry):
        """The sparse (pixels x nodes) matrix W, arcsec^2, of a grid; kept while nothing changes."""
        key = (tuple(shape), tuple(np.asarray(origin, float)), np.asarray(pixelscale, float).tobytes(),
               tuple(sorted(geometry.items())))
        cache = self.__dict__.setdefault("_weights_cache", {})
        if key not in cache:
            starts, nodes, weights = _core.pixelated_weights(tuple(shape), tuple(np.asarray(origin, float)),
                                                             np.asarray(pixelscale, float), **geometry)
            cache.clear()
            cache[key] = scipy.sparse.csr_matrix((weights, nodes, starts),
                                                 shape=(int(np.prod(shape)), int(np.prod(self.grid_shape))))
        return cache[key]

    def _raw(self, shape, origin, pixelscale, values, jacobian):
        """(image, rows or None) on a plain grid (no PSF): rows in the order of the parameters."""
        geometry = self._geometry(values)
        grid_values = np.asarray(values["I"], float)
        scale = float(values["scale"])
        weights = self._weights(shape, origin, pixelscale, geometry)
        plain = (weights @ grid_values.ravel()).reshape(shape)
        with np.errstate(over="ignore", invalid="ignore"):  # non-finite results are refused by _render
            image = scale * plain
        if not jacobian:
            return image, None
        geo = _core.pixelated_geometry_jacobian(tuple(shape), tuple(np.asarray(origin, float)),
                                                np.asarray(pixelscale, float), grid_values,
                                                geometry["center"], geometry["PA"], geometry["scale"])
        node_rows = np.zeros((grid_values.size,) + tuple(shape))
        if not self.parameters["I"].locked:
            node_rows = scale * weights.T.toarray().reshape((grid_values.size,) + tuple(shape))
        with np.errstate(over="ignore", invalid="ignore"):
            rows = np.concatenate([scale * geo[:2], node_rows, scale * geo[2:4], plain[None]])
        return image, rows

    def _render(self, jacobian):
        image, rows = self._convolved_render(jacobian)
        if not (np.all(np.isfinite(image)) and (rows is None or np.all(np.isfinite(rows)))):
            raise ValueError(f"model {self.name!r}: the rendered light (or its derivatives) is not finite: I "
                             "(flux/arcsec^2) x scale x the pixel area, or the grid's geometry (center, PA, "
                             "pixelscale), is beyond the float range; bring I or scale down")
        return image, rows

    def _convolved_render(self, jacobian):
        values = self._values()
        window = self._window
        shape, pixelscale = tuple(window.shape), np.asarray(self._target.pixelscale, float)
        if not self._uses_psf():
            return self._raw(shape, window.origin, pixelscale, values, jacobian)
        psf, k = self._psf_image(), int(self._psf_upsample())
        hy, hx = psf.data.shape[0] // 2, psf.data.shape[1] // 2
        fine = pixelscale / k
        origin = np.asarray(window.origin, float) - fine @ np.array([hx, hy], float)
        padded = (k * shape[0] + 2 * hy, k * shape[1] + 2 * hx)
        image, rows = self._raw(padded, origin, fine, values, jacobian)
        stack = image[None] if rows is None else np.concatenate([image[None], rows])
        convolved = psf.convolver.convolve(np.ascontiguousarray(stack))
        binned = convolved.reshape(len(stack), shape[0], k, shape[1], k).sum(axis=(2, 4))
        return binned[0], (None if rows is None else binned[1:])

    def _needed_bounds(self):
        values = self._values()
        geometry = self._geometry(values)
        gy, gx = geometry["grid_shape"]
        c, s = math.cos(geometry["PA"]), math.sin(geometry["PA"])
        half_u, half_v = 0.5 * gx * geometry["scale"], 0.5 * gy * geometry["scale"]
        half_x = abs(c) * half_u + abs(s) * half_v
        half_y = abs(s) * half_u + abs(c) * half_v
        psf = None
        if self._uses_psf():
            image = self._psf_image()
            reach = 0.5 * max(image.data.shape) / self._psf_upsample() * math.sqrt(self._target.pixel_area)
            half_x, half_y, psf = half_x + reach, half_y + reach, image.extent
        return bounds_around(self._target, geometry["center"], half_x, half_y, psf)

    def total_flux(self):
        """The integral of the brightness over the plane (flux): scale x the interpolant's integral
        over the grid's extent (each node's basis function integrates to one cell's area, the
        outer ones differing by the linear continuation over the half-cell border)."""
        values = self._values()
        gy, gx = self.grid_shape
        wy, wx = _axis_integrals(gy), _axis_integrals(gx)
        cell = float(values["pixelscale"]) ** 2
        return float(values["scale"]) * cell * float(wy @ np.asarray(values["I"], float) @ wx)

    # --- initialisation --------------------------------------------------------------------
    def _initialization_window(self):
        return self._window_box

    def initialize(self, foreground=None):
        """Give every parameter without a value its start (see the class docstring); returns the model."""
        self._require_target()
        target, window = self._target, self._window_box
        matrix = np.asarray(target.pixelscale, float)
        if self.parameters["pixelscale"].value is None:
            self.parameters["pixelscale"].value = math.sqrt(target.pixel_area) * self._cells_per_pixel()
        if self.parameters["PA"].value is None:
            self.parameters["PA"].value = math.atan2(matrix[1, 0], matrix[0, 0]) % (2.0 * math.pi)
        if self.parameters["scale"].value is None:
            self.parameters["scale"].value = 1.0
        if self.parameters["center"].value is None:
            ny, nx = window.shape
            x, y = target.pixel_to_plane(np.array([window.x_start + 0.5 * (nx - 1)]),
                                         np.array([window.y_start + 0.5 * (ny - 1)]))
            self.parameters["center"].value = [float(np.ravel(x)[0]), float(np.ravel(y)[0])]
        if self.parameters["I"].value is None:
            self.parameters["I"].value = self._sampled_data(foreground)
        return self

    def _cells_per_pixel(self):
        """Target pixels per grid cell along the more stretched axis: 1 when the grid has the
        window's shape, more for a coarser grid (so that it spans the window)."""
        ny, nx = self._window_box.shape
        gy, gx = self.grid_shape
        return max(1.0, ny / gy, nx / gx)

    def _sampled_data(self, foreground):
        """The window's data (less ``foreground``) per pixel area, sampled bilinearly at the nodes."""
        pixels = WindowPixels(self, foreground)
        window = self._window_box
        data = np.full(tuple(window.shape), float(np.median(pixels.values)) if pixels.values.size else 0.0)
        data[pixels.grid_index] = pixels.values
        values = self._values_without_I()
        gy, gx = self.grid_shape
        c, s = math.cos(values["PA"]), math.sin(values["PA"])
        cols, rows = np.meshgrid(np.arange(gx) - 0.5 * (gx - 1), np.arange(gy) - 0.5 * (gy - 1))
        u, v = cols * values["pixelscale"], rows * values["pixelscale"]
        x = values["center"][0] + c * u - s * v
        y = values["center"][1] + s * u + c * v
        px, py = self._target.plane_to_pixel(x.ravel(), y.ravel())
        px = np.asarray(px, float) - window.x_start
        py = np.asarray(py, float) - window.y_start
        ratio = float(values["pixelscale"]) / math.sqrt(self._target.pixel_area)
        if ratio > 1.5:  # a coarse grid: the data averaged over about a cell first
            data = ndimage.uniform_filter(data, size=int(round(ratio)), mode="nearest")
        sampled = ndimage.map_coordinates(data, [py, px], order=1, mode="nearest")
        return sampled.reshape(gy, gx) / self._target.pixel_area

    def _values_without_I(self):
        return {name: np.asarray(self.parameters[name].value, float)
                for name in ("center", "PA", "pixelscale", "scale")}


def _axis_integrals(nodes):
    """Integral along one axis (in cells) of each node's hat function over the grid's extent
    [-0.5, nodes - 0.5], the outer cells' linear functions continued over the half-cell border."""
    out = np.ones(nodes)
    # end node: (1 - a) over a in [-0.5, 1] = 1.125; its neighbour gets a over [-0.5, 0] less: -0.125
    out[0] += 0.125
    out[-1] += 0.125
    out[1] -= 0.125
    out[-2] -= 0.125
    return out


def _check_grid_shape(name, shape, what="grid_shape"):
    if len(shape) != 2 or not all(2 <= int(n) <= MAX_NODES for n in shape):
        raise ValueError(f"model {name!r}: {what} {tuple(shape)} (rows, columns) must have 2 to {MAX_NODES} "
                         "nodes on each axis (a pixelated model needs at least one grid cell)")
