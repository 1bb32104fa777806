"""The flat sky model: a uniform background."""

import functools
import math

import numpy as np

from .component_model import ComponentModel
from .initialization import WindowPixels
from .parameter_spec import LINEAR_SKY_LIMITS, ParameterSpec
from .registry import register


def log_sky_to_linear(given, model_name):
    """AutoProf's flat-sky ``sky`` (log10 flux/arcsec^2: a number, or a dict with value, uncertainty,
    limits, locked) as polychrome's ``F`` (linear flux/arcsec^2) in the same form."""
    def linear(value, what):
        try:
            array = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            raise TypeError(f"model {model_name!r}: sky {what} (log10 flux/arcsec^2) must be a number, "
                            f"got {value!r}") from None
        return 10.0 ** array
    if not isinstance(given, dict):
        return None if given is None else float(linear(given, "value"))
    converted = {key: v for key, v in given.items() if key == "locked"}
    if given.get("value") is not None:
        converted["value"] = float(linear(given["value"], "value"))
        if given.get("uncertainty") is not None:
            converted["uncertainty"] = float(converted["value"] * np.log(10.0) * float(given["uncertainty"]))
    if "limits" in given:
        converted["limits"] = [None if v is None else float(linear(v, "limit")) for v in given["limits"]]
    unknown = [key for key in given if key not in ("value", "uncertainty", "limits", "locked")]
    if unknown:
        raise ValueError(f"model {model_name!r}: parameter 'sky' given as a dict with unknown key(s) {unknown}")
    return converted


@register
class FlatSky(ComponentModel):
    """A constant surface brightness over the window.

    Parameter ``F``: the sky surface brightness, **linear** flux/arcsec^2
    (not log10: a background may be zero or negative after subtraction).
    Each pixel holds F times the pixel area. Sky models are not
    PSF-convolved (a unit-sum PSF leaves a constant unchanged): psf_mode
    "none" only.

    AutoProf's spelling: ``sky`` = log10 of the sky surface brightness
    (log10 flux/arcsec^2, AutoProf 0.8's flat sky parameter) is accepted at
    construction and becomes ``F = 10**sky`` (a dict's uncertainty becomes
    F ln(10) sigma, its limits 10**limits); AutoProf's ``center`` of a flat
    sky (locked, unused) is accepted and ignored.
    """

    model_type = "flat sky model"
    parameter_specs = (ParameterSpec("F", "flux/arcsec^2", limits=LINEAR_SKY_LIMITS),)
    psf_modes = ("none",)

    def _from_autoprof_names(self, values):
        values = dict(values)
        values.pop("center", None)
        if "sky" in values:
            if "F" in values:
                raise ValueError(f"model {self.name!r}: give the sky as F (linear flux/arcsec^2) or as AutoProf's "
                                 "sky (log10 flux/arcsec^2), not both")
            values["F"] = log_sky_to_linear(values.pop("sky"), self.name)
        return values

    def _render(self, jacobian):
        area = self._target.pixel_area
        image = np.full(self._window.shape, self._values()["F"] * area)
        if not jacobian:
            return image, None
        return image, np.full((1,) + tuple(self._window.shape), area)

    def _renderer(self):
        """``render(jacobian)`` on the render window as it is now (see ComponentModel._renderer):
        the image F x pixel area (flux per pixel); its Jacobian row, the pixel area everywhere,
        does not depend on F and is made once (read-only: shared by every call). The renderer
        also says so (a UniformRender): a fit's plan reads its value and row instead of images."""
        self._check_values()  # F checked once, here
        return UniformRender(self.parameters["F"], self._target.pixel_area, tuple(self._window.shape))

    def initialize(self, foreground=None):
        """Set ``F`` (when unset) to the sigma-clipped median of the window border, per arcsec^2
        (of the data less ``foreground``, flux per pixel on the window, when given)."""
        if self.parameters["F"].value is None:
            pixels = WindowPixels(self, foreground)
            self.parameters["F"].value = pixels.border_level()[0] / pixels.area
        return self


class UniformRender:
    """``render(jacobian)`` of a uniform image: every pixel ``parameter`` x ``area`` (flux per
    pixel, from the parameter's value at each call), its Jacobian one row of ``area`` (arcsec^2
    per pixel) everywhere. ``value()`` is that pixel value (flux per pixel) alone and
    ``constant_rows`` the Jacobian (read-only, (1, ny, nx)), which does not depend on the value:
    a fit's evaluation plan uses them instead of rendering images (see fit.model_problem)."""

    def __init__(self, parameter, area, shape):
        self._parameter, self._area, self._shape = parameter, float(area), tuple(shape)
        self.constant_rows = _constant_rows(self._area, math.copysign(1.0, self._area), self._shape)

    def value(self):
        """The value of every pixel, flux per pixel (a float)."""
        return float(self._parameter.quantity.value) * self._area

    def at_vector(self, columns_of):
        """``value_at(values)``: ``value()`` read off a fit's parameter vector (``values``, a list of
        floats as the model would store them; ``columns_of(quantity)``: a quantity's slice of the
        vector, None when not free), the same float; None when the parameter is not a free scalar."""
        columns = columns_of(self._parameter.quantity)
        if columns is None or columns.stop - columns.start != 1:
            return None
        index, area = columns.start, self._area
        return lambda values: values[index] * area

    def __call__(self, jacobian):
        image = np.full(self._shape, self.value())
        return (image, self.constant_rows) if jacobian else (image, None)


@functools.lru_cache(maxsize=64)
def _constant_rows(area, sign, shape):
    """The read-only (1, ny, nx) array of ``area`` (its ``sign`` a part of the key: 0.0 and -0.0 are
    equal keys) that every UniformRender of that area and shape shares: a survey fit's plan makes one
    per sky, on the same cutout size and pixel area fit after fit (np.full of a window each time)."""
    rows = np.full((1,) + shape, area)
    rows.flags.writeable = False
    return rows
