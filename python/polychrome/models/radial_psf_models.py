"""PSF models from the radial profiles of the galaxy models (AstroPhot 0.18's type strings):

* "<profile> psf model": circular (q = 1 and PA = 0 held fixed, not parameters), as AstroPhot's
  (its radial PSF models have no axis ratio); "gaussian psf model" and "moffat psf model" are
  the hand-written classes of gaussian_psf.py and moffat_psf.py, the same profiles and parameters;
* "<profile> ellipse psf model": elliptical, ``q`` (b/a, [0.03, 1]) and ``PA`` (rad, cyclic on
  [0, pi), counter-clockwise from +x) free;
* "<profile> superellipse psf model", "<profile> fourier psf model", "<profile> warp psf model":
  ``q`` and ``PA`` free and the isophote shape's parameters (see isophote_models: ``C0``; ``am``,
  ``phim`` with option ``modes``; ``q(R)``, ``PA(R)`` with option ``warp_knots``);

for every profile of PROFILES (sersic, exponential, gaussian, moffat, nuker, spline, ferrer, king). Each type is
generated from its galaxy model class (the parameters, their units and limits, the core profile
and its Jacobian conversion, the initialisation are the galaxy model's), minus the centre: the core
renders it like the galaxy (pixel integrals to 2e-5 relative at the default tolerance, the
non-elliptical isophotes by the a-posteriori renderer) centred on the PSF grid (``psf_center()``),
with analytic Jacobians, and like every PSF model it is normalised to unit sum over its grid
(``normalize_psf``, default True), its brightness parameter (``Ie``, ``I0``, ``Ib``, a Gaussian's
``flux``: log10, AstroPhot's names) 0 and locked unless given. A spline PSF has no separate
brightness: its knot values ``I(R)`` are all free, and with ``normalize_psf`` their common offset
is not constrained by a fit (as in AstroPhot). Sizes are in arcsec, as for the other PSF models
here (AstroPhot's PSF models take them in PSF pixels).

``initialize()`` measures the target (a star or a PSF image): the profile from the azimuthally
averaged surface brightness in annuli around the PSF centre (the galaxy models' grid fit, the
brightness free in it and not set from it), q and PA from the light's second moments (elliptical
types), the shape at the ellipse (C0 = 0, am = phim = 0, q(R) = 1, PA(R) = 0).

The classes are module attributes under polychrome's names (SersicPSF, SersicEllipsePSF,
SersicSuperellipsePSF, ...) and AstroPhot 0.18's (SersicPSF, SersicPSFEllipse, SersicPSFSuperEllipse,
SersicPSFFourierEllipse, SersicPSFWarp, ...).

Adding a profile is one line: its galaxy model class in PROFILES (and, for the shaped types, in
isophote_models.SHAPED_MODELS).
"""

import numpy as np

from ..render import ProfileRenderer
from .exponential import ExponentialGalaxy
from .ferrer import FerrerGalaxy
from .gaussian import GaussianGalaxy
from .gaussian_psf import GaussianPSF
from .galaxy_model import GEOMETRY_SPECS
from .initialization import RadialProfile, WindowPixels, shape_moments
from .isophote_models import SHAPED_MODELS
from .king import KingGalaxy
from .moffat import MoffatGalaxy
from .moffat_psf import MoffatPSF
from .nuker import NukerGalaxy
from .parameter_spec import AXIS_RATIO, POSITION_ANGLE
from .psf_model import PSFModel
from .registry import register
from .sersic import SersicGalaxy
from .spline import SplineGalaxy

# the galaxy model classes whose profiles are PSF models too
PROFILES = (SersicGalaxy, ExponentialGalaxy, GaussianGalaxy, MoffatGalaxy, NukerGalaxy, SplineGalaxy, FerrerGalaxy,
            KingGalaxy)
# isophote shape of each PSF family (AstroPhot's word; "" the circular one): the shapes of isophote_models
SHAPES = {"": None, "ellipse": (), "superellipse": ("superellipse",), "fourier": ("fourier",), "warp": ("warp",)}
# AstroPhot 0.18's class name of each family, after "<Profile>PSF" (also module attributes here)
ASTROPHOT_SUFFIXES = {"": "", "ellipse": "Ellipse", "superellipse": "SuperEllipse", "fourier": "FourierEllipse",
                      "warp": "Warp"}
# names of the brightness parameters (locked at 0 by default: the normalised PSF does not depend on them)
BRIGHTNESS_NAMES = ("Ie", "I0", "Ib", "flux")


class RadialPSF:
    """Mixin ahead of a galaxy model class and PSFModel: the galaxy's profile and isophotes rendered
    by the core centred on the PSF grid, without a centre parameter (and, circular, without q and PA)."""

    _dropped_rows = (0, 1)  # the core's Jacobian rows of the centre (x, y); q and PA too when circular

    def _check_options(self):
        PSFModel._check_options(self)
        super()._check_options()

    def _attach(self, target, window):
        PSFModel._attach(self, target, window)
        super()._attach(target, window)

    def _needed_bounds(self):
        """None: a PSF model renders on all of its grid (no automatic window)."""
        return None

    def _renderer(self):
        self._values()
        return self._render

    def _render(self, jacobian):
        return PSFModel._render(self, jacobian)

    def _raw(self, jacobian):
        """(image, Jacobian rows or None) of the un-normalised profile on the PSF grid."""
        values = self._values()
        renderer = ProfileRenderer(self._render_profile(), self._window_box.shape, knots=self._knots(),
                                   **PSFModel._grid(self))
        result = renderer(self._render_parameters(values), self.psf_center(), values["q"], values["PA"], jacobian)
        if not jacobian:
            return result, None
        image, core = result
        rows = self._core_to_model_jacobian(core, values)
        return image, np.delete(rows, self._dropped_rows, axis=0)

    def _fixed_amplitude(self, values, q):
        """Normalised, the brightness changes nothing: the profile's shape is fitted with a free amplitude."""
        return None if self.normalize_psf else super()._fixed_amplitude(values, q)

    def initialize(self, foreground=None):
        """Set the parameters without a value from the target's light around the PSF centre (see the
        module's notes); those given are kept. Returns the model."""
        pixels = WindowPixels(self, foreground)
        sky, _ = pixels.border_level()
        flux = pixels.values - sky
        center = self.psf_center()
        q, PA = self._given_axis_ratio_and_angle()
        if q is None or PA is None:
            q, PA, _ = shape_moments(pixels, flux, center, q, PA)
        profile = RadialProfile(pixels, flux, center, q, PA, sky_error=pixels.sky_error())
        values = {"q": q, "PA": PA}
        values.update(self._initial_profile(profile, q))
        if hasattr(self, "_isophote_defaults"):
            values.update((name, value) for name, value in self._isophote_defaults().items()
                          if self.parameters[name].value is None)
        self._fill(values)
        return self


def _psf_model(galaxy, shape):
    """The PSF model class of the galaxy model class ``galaxy`` (its profile) on isophote ``shape``
    (a key of SHAPES)."""
    words = SHAPES[shape]
    base = galaxy if not words else SHAPED_MODELS[(galaxy.profile, words)]
    profile_specs = base.parameter_specs[len(GEOMETRY_SPECS):]
    circular = shape == ""
    geometry = () if circular else (AXIS_RATIO, POSITION_ANGLE)
    brightness = [spec.name for spec in profile_specs if spec.name in BRIGHTNESS_NAMES]
    suffix = "psf model" if circular or words else "ellipse psf model"
    model_type = base.model_type.replace("galaxy model", suffix)
    name = base.__name__.replace("Galaxy", ("Ellipse" if shape == "ellipse" else "") + "PSF")
    specs = geometry + profile_specs
    described = ", ".join(f"``{spec.name}`` ({spec.units or 'unitless'}, {list(spec.limits)})" for spec in specs)
    geometry_words = "circular: q = 1, PA = 0 fixed" if circular else "q and PA free"
    shape_words = f", on {' '.join(words)} isophotes" if words else ""
    locked = f"; ``{brightness[0]}`` 0 and locked unless given" if brightness else ""
    doc = (f"The {model_type}: the profile of the {galaxy.model_type} ({geometry_words}{shape_words}) as a PSF, "
           f"centred on its grid and normalised (see polychrome.models.radial_psf_models). Parameters, in "
           f"order: {described}{locked}.")
    cls = type(name, (RadialPSF, base, PSFModel), {
        "__doc__": doc, "__module__": __name__, "model_type": model_type, "parameter_specs": specs,
        "options": dict(base.options, **PSFModel.options), "_amplitude": brightness[0] if brightness else None,
        "_geometry_count": len(geometry), "_fixed_geometry": {"q": 1.0, "PA": 0.0} if circular else {},
        "_dropped_rows": (0, 1, 2, 3) if circular else (0, 1),
    })
    globals()[name] = cls  # a module attribute: models pickle by reference to their class
    globals()[galaxy.__name__.replace("Galaxy", "PSF") + ASTROPHOT_SUFFIXES[shape]] = cls  # AstroPhot's spelling
    return register(cls)


# the circular Gaussian and Moffat PSFs are gaussian_psf.py's and moffat_psf.py's (the same parameters)
WRITTEN_BY_HAND = (GaussianPSF.model_type, MoffatPSF.model_type)
RADIAL_PSF_MODELS = {(galaxy.profile, shape): _psf_model(galaxy, shape)
                     for galaxy in PROFILES for shape in SHAPES
                     if shape or galaxy.model_type.replace("galaxy model", "psf model") not in WRITTEN_BY_HAND}
