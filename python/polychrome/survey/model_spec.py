"""ModelSpec: what to fit to every source of a survey (model types, shared parameters, sky, limits, budgets)."""

import dataclasses
import math
import numbers
import os

from .spec_dict import from_fields

_NEIGHBOURS = ("mask", "fit")
_CHOICE = ("source", "group")
_GUESSES = ("center", "size", "q", "pa")


def _positive(name, value, units, integer=False):
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind) or not math.isfinite(value) or not value > 0:
        raise ValueError(f"ModelSpec.{name} must be a positive {'integer' if integer else 'number'} ({units}), "
                         f"got {value!r}")
    return int(value) if integer else float(value)


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """The model of every source and how the survey fits it.

    candidates: model types tried per source (polychrome.models.model_types());
    with more than one the smallest BIC = chi^2 + k ln(n_pixels) chooses
    (see model_choice). shared: parameters shared across a source's images
    (those a candidate lacks are skipped; the rest, brightness, is per image).
    sky: a sky model type fitted per image cutout, or None. limits:
    {parameter: (low, high)} in the model's units (e.g. {"n": (0.5, 6)}).
    max_iterations: LM steps per fit; time_budget: seconds of wall clock per
    group (TIMEOUT when passed). footprint_scale: a source's footprint radius
    is footprint_scale * size + the broadest PSF FWHM (arcsec), at most
    max_footprint (arcsec: a wrong size in a catalogue must not cut a cutout
    of gigabytes); default_size: the size (arcsec) of a source without one. max_group_size: larger groups
    are split (GROUP_SPLIT). min_pixels: fewer unmasked pixels in a source's
    footprint over all images flags TOO_FEW_PIXELS and skips the fit.
    cutout_margin: arcsec added around a group's footprints. neighbours:
    "mask" (pixels in the footprints of sources outside the group are not
    fitted) or "fit" (sources of other groups centred on the cutouts are
    modelled too, as the last candidate their catalogue kind allows, with
    free parameters and no rows of their own; the others are masked).
    choice: "source" (each source of a blend may take its own candidate: a
    greedy search on the group's BIC, see model_choice) or "group" (one
    candidate for the whole group, by the group's BIC). catalogue_guesses:
    the catalogue columns that start a fit ("center" from ra/dec, "size" as Re,
    "q", "pa"); initialize() measures the rest from the data. A catalogue
    size measured on the PSF-convolved image (SExtractor's FLUX_RADIUS) is a
    poor Re: leaving "size" out lets the data set it. segmentation: None, or
    the path of a segmentation map (FITS with a WCS; pixels hold catalogue
    ids, 0 the sky; see survey.segmentation): a source with a segment takes
    it as its footprint (the disc holding it, plus the PSF) and the pixels of
    other sources' segments are masked in every cutout. render_accuracy: every
    model pixel is rendered to within this fraction of its cutout's noise
    sigma of the exact integral (Model.set_noise_tolerance; in (0, 0.1]), or
    None for the core's default (1e-5 of each pixel: slower on faint, small
    or thin sources, no more accurate where it matters against the noise).
    The default 0.01 moves no fitted value by more than the fitter's own
    convergence tolerance (0.03 sigma): on bench/survey.py's isolated fields
    against 0.001, the largest shift is 0.030 sigma (1 band) and 0.029 sigma
    (3 bands), flags unchanged, and the 3-band fits take 9.6% fewer
    instructions (bench/survey_fit_only.py under callgrind, 60 groups).
    log_parameters: names of positive parameters the fitter steps in their
    natural logarithm (fit.LM's log_parameters), where a candidate has them
    free: by default the Sersic (and Moffat) index "n" and the sizes "Re",
    "sigma", "Rd" (arcsec). A scale parameter's chi^2 valley is closer to a
    quadratic in ln x: fewer evaluations per source (14.5 -> ~12 on
    bench/survey.py's isolated fields), the same minimum and uncertainties.
    () turns it off (every parameter stepped linearly). Their limits must
    have low >= 0. total_flux: the fitter steps each Sersic's log10 total flux
    instead of its Ie (fit.LM's total_flux): the curved n-Re-q-Ie valleys of
    faint sources straighten; on bench/survey.py's isolated fields normal
    equations per source 9.5 -> 7.6 (1 band) and 10.9 -> 8.9 (3 bands).
    """

    candidates: tuple = ("sersic galaxy model",)
    shared: tuple = ("center", "q", "PA", "n", "Re")
    sky: str = "flat sky model"
    limits: dict = dataclasses.field(default_factory=dict)
    max_iterations: int = 100
    time_budget: float = 60.0
    footprint_scale: float = 3.0
    default_size: float = 1.0
    max_footprint: float = 60.0
    max_group_size: int = 20
    min_pixels: int = 20
    cutout_margin: float = 1.0
    neighbours: str = "mask"
    choice: str = "source"
    catalogue_guesses: tuple = ("center", "size", "q", "pa")
    segmentation: str = None
    render_accuracy: float = 1e-2
    log_parameters: tuple = ("n", "Re", "sigma", "Rd")
    total_flux: bool = True

    def __post_init__(self):
        from ..models.registry import model_types

        known = model_types()
        candidates = (self.candidates,) if isinstance(self.candidates, str) else tuple(self.candidates)
        if not candidates:
            raise ValueError("ModelSpec.candidates must name at least one model type")
        for name in candidates + ((self.sky,) if self.sky is not None else ()):
            if name not in known or name == "group model":
                raise ValueError(f"ModelSpec: unknown model type {name!r}; known: "
                                 f"{[k for k in known if k != 'group model']}")
        object.__setattr__(self, "candidates", candidates)
        shared = (self.shared,) if isinstance(self.shared, str) else tuple(self.shared)
        object.__setattr__(self, "shared", shared)
        limits = {}
        for name, pair in dict(self.limits or {}).items():
            try:
                low, high = (float(v) for v in pair)
            except (TypeError, ValueError):
                raise ValueError(f"ModelSpec.limits[{name!r}] must be (low, high), got {pair!r}") from None
            if not low < high:
                raise ValueError(f"ModelSpec.limits[{name!r}] must have low < high, got {pair!r}")
            limits[str(name)] = (low, high)
        object.__setattr__(self, "limits", limits)
        object.__setattr__(self, "max_iterations", _positive("max_iterations", self.max_iterations, "steps", True))
        object.__setattr__(self, "max_group_size", _positive("max_group_size", self.max_group_size, "sources", True))
        object.__setattr__(self, "min_pixels", _positive("min_pixels", self.min_pixels, "pixels", True))
        for name, units in (("time_budget", "seconds"), ("footprint_scale", "times the size"),
                            ("default_size", "arcsec"), ("max_footprint", "arcsec")):
            object.__setattr__(self, name, _positive(name, getattr(self, name), units))
        margin = self.cutout_margin
        if isinstance(margin, bool) or not isinstance(margin, numbers.Real) or not 0 <= margin < math.inf:
            raise ValueError(f"ModelSpec.cutout_margin must be a number >= 0 (arcsec), got {margin!r}")
        object.__setattr__(self, "cutout_margin", float(margin))
        if self.neighbours not in _NEIGHBOURS:
            raise ValueError(f"ModelSpec.neighbours must be one of {_NEIGHBOURS}, got {self.neighbours!r}")
        guesses = ((self.catalogue_guesses,) if isinstance(self.catalogue_guesses, str)
                   else tuple(self.catalogue_guesses))
        unknown = sorted(set(guesses) - set(_GUESSES))
        if unknown:
            raise ValueError(f"ModelSpec.catalogue_guesses: unknown {unknown}; allowed: {list(_GUESSES)}")
        object.__setattr__(self, "catalogue_guesses", guesses)
        if self.segmentation is not None and (not isinstance(self.segmentation, str) or not self.segmentation):
            raise ValueError(f"ModelSpec.segmentation must be None or the path of a segmentation map (FITS), "
                             f"got {self.segmentation!r}")
        accuracy = self.render_accuracy
        if accuracy is not None and (isinstance(accuracy, bool) or not isinstance(accuracy, numbers.Real)
                                     or not 0 < accuracy <= 0.1):
            raise ValueError(f"ModelSpec.render_accuracy must be None or in (0, 0.1] (a fraction of the noise "
                             f"sigma per pixel), got {accuracy!r}")
        if not isinstance(self.total_flux, bool):
            raise ValueError(f"ModelSpec.total_flux must be True or False, got {self.total_flux!r}")
        logs = (self.log_parameters,) if isinstance(self.log_parameters, str) else tuple(self.log_parameters or ())
        for name in logs:
            if not isinstance(name, str) or not name:
                raise ValueError(f"ModelSpec.log_parameters must be parameter names (str), got {name!r}")
            if name in limits and limits[name][0] < 0.0:
                raise ValueError(f"ModelSpec.limits[{name!r}] must have low >= 0 while {name!r} is in "
                                 f"log_parameters (stepped in its logarithm), got {limits[name]!r}")
        object.__setattr__(self, "log_parameters", logs)
        if self.choice not in _CHOICE:
            raise ValueError(f"ModelSpec.choice must be one of {_CHOICE}, got {self.choice!r}")

    def to_dict(self):
        """A plain dict (YAML/JSON-able: lists for tuples) that from_dict turns back into this spec."""
        out = {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, dict):
                value = {k: list(v) for k, v in value.items()}
            out[field.name] = value
        return out

    @classmethod
    def from_dict(cls, d):
        """A ModelSpec from a dict of its fields (unknown keys raise ValueError naming them)."""
        return from_fields(cls, d, "a model spec")

    @classmethod
    def from_yaml(cls, path_or_text):
        """A ModelSpec from a YAML file or YAML text (a mapping of its fields; yaml.safe_load)."""
        import yaml

        text = path_or_text
        if isinstance(path_or_text, os.PathLike) or (isinstance(path_or_text, str) and "\n" not in path_or_text
                                                      and path_or_text.endswith((".yaml", ".yml"))):
            with open(path_or_text) as handle:
                text = handle.read()
        loaded = yaml.safe_load(text)
        if not isinstance(loaded, dict):
            raise ValueError(f"model spec YAML must be a mapping of ModelSpec fields, got {type(loaded).__name__}")
        return cls.from_dict(loaded)
