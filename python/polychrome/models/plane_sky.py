"""The plane sky model: a background with a constant gradient."""

import numpy as np

from ..image import ModelImage
from .component_model import ComponentModel
from .initialization import WindowPixels, plane_fit
from .parameter_spec import LINEAR_SKY_LIMITS, ParameterSpec
from .registry import register


@register
class PlaneSky(ComponentModel):
    """A background varying linearly across the plane.

    S(x, y) = F + delta . ((x, y) - reference), flux/arcsec^2.

    Parameters, in order: ``F`` (surface brightness at the reference point,
    linear flux/arcsec^2), ``delta`` [dS/dx, dS/dy] (flux/arcsec^2 per
    arcsec). Option ``reference``: the plane point (arcsec) where S = F;
    default the centre of the whole target image. A pixel holds S at its
    centre times the pixel area (exact for a plane). Not PSF-convolved:
    psf_mode "none" only.

    AutoProf's spellings at construction: ``sky`` (AutoProf's plane-sky
    brightness, linear flux/arcsec^2) is ``F``; ``center`` (arcsec, where S =
    sky) is the ``reference`` option; and with ``sky`` given, ``delta`` is
    read in AutoProf's units, flux per pixel per arcsec, and divided by the
    target's pixel area into flux/arcsec^3 (the two agree at 1"/pixel).
    """

    model_type = "plane sky model"
    parameter_specs = (ParameterSpec("F", "flux/arcsec^2", limits=LINEAR_SKY_LIMITS),
                       ParameterSpec("delta", "flux/arcsec^3", limits=LINEAR_SKY_LIMITS, shape=(2,)))
    options = {"reference": None}
    psf_modes = ("none",)

    _autoprof_delta = None  # delta in AutoProf's flux/pixel/arcsec, until the target gives the pixel area

    def _from_autoprof_names(self, values):
        values = dict(values)
        if "center" in values:
            center = values.pop("center")
            center = center.get("value") if isinstance(center, dict) else center
            if self.reference is None and center is not None:
                self.reference = center
        if "sky" in values:
            if "F" in values:
                raise ValueError(f"model {self.name!r}: give F or AutoProf's sky, not both")
            values["F"] = values.pop("sky")
            if "delta" in values:
                self._autoprof_delta = values.pop("delta")
        return values

    def _attach(self, target, window):
        if self._autoprof_delta is not None and self.parameters["delta"].value is None:
            self.parameters["delta"].value = np.asarray(self._autoprof_delta, dtype=float) / target.pixel_area
            self._autoprof_delta = None
        if self.reference is None:
            ny, nx = target.shape
            self.reference = np.asarray(target.pixel_to_plane_affine((nx - 1) / 2.0, (ny - 1) / 2.0), float)

    def _check_options(self):
        if self.reference is None:
            return  # the centre of the target image, when the model gets one
        reference = np.asarray(self.reference, dtype=float)
        if reference.shape != (2,) or not np.all(np.isfinite(reference)):
            raise ValueError(f"model {self.name!r}: reference must be a finite plane point [x, y] in arcsec, "
                             f"got {self.reference!r}")
        self.reference = reference

    def _render(self, jacobian):
        values = self._values()
        area = self._target.pixel_area
        x, y = ModelImage(self._window).pixel_center_grid()
        dx, dy = x - self.reference[0], y - self.reference[1]
        image = area * (values["F"] + values["delta"][0] * dx + values["delta"][1] * dy)
        if not jacobian:
            return image, None
        return image, area * np.stack([np.ones_like(dx), dx, dy])

    def initialize(self, foreground=None):
        """Set unset ``F`` and ``delta`` from a sigma-clipped least-squares plane through the window border.

        Pixels are on their plane positions, in flux/arcsec^2, about
        ``reference``. A given ``delta`` is kept fixed in the fit of ``F``
        (and a given ``F`` in that of ``delta``). ``foreground`` (flux per
        pixel on the window, optional) is subtracted from the data first.
        """
        F, delta = self.parameters["F"].value, self.parameters["delta"].value
        if F is not None and delta is not None:
            return self
        pixels = WindowPixels(self, foreground)
        border = pixels.border if np.any(pixels.border) else np.ones(pixels.values.size, bool)
        x, y = pixels.x[border], pixels.y[border]
        values = pixels.values[border] / pixels.area
        if delta is not None:
            values = values - delta[0] * (x - self.reference[0]) - delta[1] * (y - self.reference[1])
        if F is not None:
            values = values - F
        fitted_F, fitted_delta = plane_fit(x, y, values, self.reference)
        if delta is not None:  # only F was free: the offset of the residual
            fitted_F, fitted_delta = float(np.median(values)), delta
        if F is None:
            self.parameters["F"].value = fitted_F
        else:
            self.parameters["delta"].value = fitted_delta
        if delta is None and F is None:
            self.parameters["delta"].value = fitted_delta
        return self
