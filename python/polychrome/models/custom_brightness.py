"""Models whose brightness a user writes in numpy: AutoProf's custom-model recipe.

A subclass of ``GalaxyModel`` (AutoProf's ``Galaxy_Model``) that defines
``radial_model(self, R, image=None, parameters=None)``, or of
``ComponentModel`` (``Component_Model``) that defines
``evaluate_model(self, X=None, Y=None, image=None, parameters=None)``, with
its parameters declared as AutoProf did::

    class MySersic(ap.models.Galaxy_Model):
        model_type = "mysersic galaxy model"
        parameter_specs = {"my_n": {"limits": (0.36, 8)}, "my_Re": {"limits": (0, None)}, "my_Ie": {}}

        def radial_model(self, R, image=None, parameters=None):
            n, re, ie = self["my_n"].value, self["my_Re"].value, self["my_Ie"].value
            b = ap.utils.conversions.functions.sersic_n_to_b(n)
            return ie * image.pixel_area * np.exp(-b * ((R / re) ** (1 / n) - 1))

renders, initialises and fits with no more code:

- the parameters: the base's (center; for a galaxy also q, PA) followed by
  the dict's entries in order (keys "units", "limits", "cyclic", "shape",
  "value", "locked"); the type is registered under its ``model_type``;
- ``radial_model`` gets R, the elliptical radius (arcsec; q and PA applied)
  of sample points, and returns flux *per pixel* there (AutoProf's
  convention: surface brightness times ``image.pixel_area``, or
  ``image.pixelscale ** 2`` with ``image.pixelscale`` the side of a square
  pixel); ``evaluate_model`` gets X, Y, the plane offsets (arcsec) of the
  sample points from ``center``. Both are numpy arrays; ``image`` is an
  EvaluationGrid. Each pixel is the mean over ``integration_points`` x
  ``integration_points`` Gauss-Legendre points (class attribute, default 4);
- with psf_mode "full" the image is convolved with the target's PSF (FFT, on
  the window grown by the PSF's half-size);
- the Jacobian comes from central finite differences of the rendered image,
  the step per parameter element h = 1e-5 x max(|value|, 1) (one-sided
  where a limit is nearer than h); polychrome's own models have analytic
  Jacobians, several times faster to fit;
- ``initialize()`` sets an unset centre (centroid) and, for a galaxy, q and PA
  (second moments); the user's parameters need values (or the user's own
  ``initialize`` override, which may call ``super().initialize()``).
"""

import numpy as np

from ..image import Window
from .initialization import WindowPixels, centroid, shape_moments
from .parameter_spec import ParameterSpec
from .torch_interop import as_numpy, as_tensor, call_user_brightness, plain_image, torch_installed

_SPEC_KEYS = ("units", "limits", "cyclic", "shape", "value", "locked", "uncertainty")
_STEP = 1e-5


def specs_from_dict(cls, declared, inherited):
    """The ParameterSpec tuple of ``cls`` from AutoProf's ``parameter_specs`` dict after ``inherited``;
    also returns {name: default value dict} for entries that give a value or lock."""
    if not isinstance(declared, dict):
        raise TypeError(f"{cls.__name__}.parameter_specs must be a dict {{name: {{'units', 'limits', ...}}}}")
    specs, defaults = list(inherited), {}
    names = {spec.name for spec in specs}
    for name, entry in declared.items():
        entry = {} if entry is None else dict(entry)
        unknown = [key for key in entry if key not in _SPEC_KEYS]
        if unknown:
            raise ValueError(f"{cls.__name__}.parameter_specs[{name!r}]: unknown key(s) {unknown}; "
                             f"allowed: {list(_SPEC_KEYS)}")
        if name in names:  # a redeclaration (e.g. AutoProf's center) replaces the inherited one
            specs = [spec for spec in specs if spec.name != name]
        shape = tuple(entry["shape"]) if "shape" in entry else ((2,) if name == "center" else ())
        specs.append(ParameterSpec(name, entry.get("units", ""), tuple(entry.get("limits", (None, None))),
                                   bool(entry.get("cyclic", False)), shape))
        names.add(name)
        given = {key: entry[key] for key in ("value", "locked", "uncertainty") if key in entry}
        if given:
            defaults[name] = given
    return tuple(specs), defaults


class EvaluationGrid:
    """What a custom model's brightness function is given as ``image``: the sample points of the
    render window. ``pixel_area`` (arcsec^2), ``pixelscale`` (arcsec, the side of a square pixel of
    that area), ``x``, ``y`` (plane positions of the sample points, arcsec), ``shape`` (pixels)."""

    def __init__(self, target, window, points):
        self.pixel_area = target.pixel_area
        self.pixelscale = float(np.sqrt(self.pixel_area))
        self.shape = window.shape
        self.points = points
        nodes = (np.polynomial.legendre.leggauss(points)[0] + 1.0) / 2.0  # in (0, 1) across a pixel
        ny, nx = window.shape
        sub_x = (np.arange(nx)[:, None] + nodes[None, :]).ravel() - 0.5  # pixel-centre units
        sub_y = (np.arange(ny)[:, None] + nodes[None, :]).ravel() - 0.5
        jj, ii = np.meshgrid(sub_x + window.x_start, sub_y + window.y_start)
        self.x, self.y = (np.asarray(v, float) for v in target.pixel_to_plane_affine(jj, ii))

    def get_coordinate_meshgrid(self, x=0.0, y=0.0):
        """(X, Y): plane offsets (arcsec) of the sample points from (x, y)."""
        return self.x - float(x), self.y - float(y)

    def get_coordinate_meshgrid_torch(self, x=0.0, y=0.0):
        """(X, Y) as ``get_coordinate_meshgrid`` gives them, as CPU float64 torch tensors (AutoProf's
        call; needs PyTorch installed: see torch_interop)."""
        if not torch_installed():
            raise TypeError("get_coordinate_meshgrid_torch needs PyTorch, which is not installed; polychrome "
                            "is numpy: use image.get_coordinate_meshgrid(x, y) (numpy arrays of the sample "
                            "points' plane offsets, arcsec) and numpy functions (np.sqrt, np.exp) in "
                            "evaluate_model/radial_model")
        return tuple(as_tensor(v) for v in self.get_coordinate_meshgrid(float(as_numpy(x)), float(as_numpy(y))))

    def pixel_mean(self, values):
        """Sample values (ny*points, nx*points) averaged to pixels with the Gauss-Legendre weights."""
        weights = np.polynomial.legendre.leggauss(self.points)[1] / 2.0
        ny, nx = self.shape
        values = np.broadcast_to(np.asarray(values, dtype=float), self.x.shape)
        blocks = values.reshape(ny, self.points, nx, self.points)
        return np.einsum("iajb,a,b->ij", blocks, weights, weights)


def _psf_pad(model):
    """PSF half-size (pixels) when the model convolves, else 0."""
    if not model._uses_psf():
        return 0
    if model._target.psf_upsample != 1:
        raise ValueError(f"model {model.name!r}: a custom model convolves with a PSF at the image's pixel "
                         "scale only (psf_upsample = 1)")
    return model._target.psf.data.shape[0] // 2


def _convolved(image, psf):
    """``image`` convolved with ``psf`` (odd, centred), same shape, the border treated as zero."""
    ny, nx = image.shape
    py, px = psf.shape
    shape = (ny + py - 1, nx + px - 1)
    product = np.fft.irfft2(np.fft.rfft2(image, shape) * np.fft.rfft2(psf, shape), shape)
    return product[py // 2:py // 2 + ny, px // 2:px // 2 + nx]


class CustomBrightness:
    """Mixin put before a user's class: renders its ``radial_model``/``evaluate_model`` (see the module
    docstring) with finite-difference Jacobians."""

    integration_points = 4

    def _brightness(self, grid):
        values = self._values()
        if _user_defines(type(self), "radial_model"):
            dx, dy = grid.get_coordinate_meshgrid(*values["center"])
            q, pa = values.get("q", 1.0), values.get("PA", 0.0)
            major = dx * np.cos(pa) + dy * np.sin(pa)
            minor = -dx * np.sin(pa) + dy * np.cos(pa)
            radius = np.sqrt(major ** 2 + (minor / q) ** 2)
            return call_user_brightness(self, self.radial_model, (radius,), image=grid, parameters=self.parameters)
        if "center" in values:
            dx, dy = grid.get_coordinate_meshgrid(*values["center"])
        else:
            dx, dy = grid.get_coordinate_meshgrid()
        return call_user_brightness(self, lambda X, Y, **kw: self.evaluate_model(X=X, Y=Y, **kw), (dx, dy),
                                    image=grid, parameters=self.parameters)

    def _image(self, grid, pad):
        image = grid.pixel_mean(self._brightness(grid))
        if pad:
            image = _convolved(image, self._target.psf.data)[pad:-pad, pad:-pad]
        return image

    def _render(self, jacobian):
        window = self._window
        pad = _psf_pad(self)
        grid_window = _Padded(window, pad) if pad else window
        grid = EvaluationGrid(self._target, grid_window, self.integration_points)
        image = self._image(grid, pad)
        if not np.all(np.isfinite(image)):
            raise ValueError(f"model {self.name!r}: its brightness function gave non-finite values")
        if not jacobian:
            return image, None
        rows = []
        for parameter in self.parameters:
            if parameter.locked:
                rows.extend(np.zeros((parameter.size,) + image.shape))
                continue
            rows.extend(self._difference_rows(parameter, grid, pad))
        return image, np.array(rows).reshape((-1,) + image.shape)

    def _difference_rows(self, parameter, grid, pad):
        start = np.atleast_1d(np.asarray(parameter.value, dtype=float)).copy()
        lo, hi = parameter.limits
        rows = []
        try:
            for k in range(start.size):
                h = _STEP * max(abs(start[k]), 1.0)
                up, down = start.copy(), start.copy()
                up[k] = start[k] + h if start[k] + h <= hi else start[k]
                down[k] = start[k] - h if start[k] - h >= lo else start[k]
                parameter.value = up.reshape(parameter.shape)
                plus = self._image(grid, pad)
                parameter.value = down.reshape(parameter.shape)
                minus = self._image(grid, pad)
                rows.append((plus - minus) / (up[k] - down[k]))
        finally:
            parameter.value = start.reshape(parameter.shape)
        return rows

    def _needed_bounds(self):
        return None  # a custom brightness may reach anywhere: the whole window

    def _renderer(self):
        self._values()
        return self._render

    def initialize(self, target=None, parameters=None, foreground=None, **kwargs):
        """Set an unset centre from the light's centroid, and for a galaxy unset q and PA from its
        second moments (on the window, the data less ``foreground``); the user's own parameters keep
        their values. ``target``/``parameters`` are accepted for AutoProf's signature (they must be
        the model's own). Returns the model."""
        target = plain_image(target)
        if target is not None and target is not self.target:
            raise ValueError(f"model {self.name!r}: initialize(target=...) must be the model's own target")
        self._require_target()
        names = [spec.name for spec in self.parameter_specs]
        if "center" in names:
            pixels = WindowPixels(self, foreground)
            flux = pixels.values - pixels.border_level()[0]
            if self["center"].value is None:
                self["center"].value = centroid(pixels, flux)
            if "q" in names and (self["q"].value is None or self["PA"].value is None):
                q, pa, _ = shape_moments(pixels, flux, self["center"].value,
                                         self["q"].value, self["PA"].value)
                if self["q"].value is None:
                    self["q"].value = q
                if self["PA"].value is None:
                    self["PA"].value = pa
        return self


    integrate_window_size = 10

    def integrate_window(self, image, fix_to="center"):
        """AutoProf's small window around the centre: a Window of ``image`` (the model's target or a
        view of it), ``integrate_window_size`` + 1 pixels a side (odd), centred on the pixel holding
        ``center``, clipped to the image. ``fix_to`` ("center" or "pixel") is AutoProf's; the box is
        whole pixels either way."""
        if fix_to not in ("center", "pixel"):
            raise ValueError(f"model {self.name!r}: integrate_window fix_to must be 'center' or 'pixel', got {fix_to!r}")
        image = plain_image(image)
        x, y = image.plane_to_pixel(*np.asarray(self["center"].value, float))
        half = int(self.integrate_window_size) // 2
        column, row = int(np.floor(float(x))), int(np.floor(float(y)))
        return Window(image, [[column - half, column + half + 1], [row - half, row + half + 1]])


class _Padded:
    """A window grown by ``pad`` pixels on every side, beyond the image where need be (for the PSF)."""

    def __init__(self, window, pad):
        self.x_start, self.y_start = window.x_start - pad, window.y_start - pad
        self.shape = (window.shape[0] + 2 * pad, window.shape[1] + 2 * pad)


def _user_defines(cls, name):
    """True when a class of ``cls``'s that is not polychrome's defines ``name``."""
    return any(name in vars(klass) for klass in cls.__mro__ if not klass.__module__.startswith("polychrome."))


def is_custom(cls):
    """True when ``cls`` (or a user base of it) defines a brightness in Python (see the module docstring)."""
    return _user_defines(cls, "radial_model") or _user_defines(cls, "evaluate_model")


# the methods a user's class gets when it defines its brightness (unless it defines them itself)
MIXED_IN = ("_render", "_renderer", "_needed_bounds", "_brightness", "_image", "_difference_rows",
            "integration_points", "initialize", "integrate_window", "integrate_window_size")
