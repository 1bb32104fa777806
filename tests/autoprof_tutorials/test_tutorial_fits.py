"""The AutoProf-era tutorials' fits reach sensible answers on their simulated data (issue 13).

Every fit a tutorial runs itself with ``ap.fit.LM``, ``ap.fit.Iter`` or
``ap.fit.Iter_LM`` is recorded (the model and its result; the LM fits the
cyclic fitters run inside are theirs, not the tutorial's). Each must end in
success with chi^2 per degree of freedom near 1 (the simulated noise is
what the tutorial's variance says; CustomModels sets none, so there near the
noise variance over the default variance 1), and each Sersic component fitted where
simulated_data.TRUTH has a galaxy (matched by its centre) must recover that
galaxy's q, PA, n, Re and Ie within five of its reported uncertainties (or
a small absolute slack where the uncertainty is tiny).

Not judged: FittingMethods' ``ap.fit.Grad`` (the tutorial runs 1000 Adam
steps to show how slowly plain gradient descent converges) and its
samplers (tests/test_samplers.py checks those against exact posteriors);
GroupModels' fits before its last (the tutorial adds its galaxies in
stages, so its earlier fits leave known galaxies out of the model).
"""

import math
import os

import numpy as np
import pytest

import polychrome.fit.cyclic_fits as cyclic_module
import polychrome.fit.lm as lm_module
from cells import run_tutorial
from simulated_data import GETTING_STARTED_SIGMA, TRUTH
from test_tutorial_cells import SLOW

# chi^2 / ndf allowed: the windows of a few fits hold a neighbour's faint wings too
CHI2_NDF_RANGE = (0.9, 1.1)
PULL_LIMIT = 5.0
# (absolute slack, per parameter) for parameters with very small uncertainties
SLACK = {"q": 0.01, "PA": 0.02, "n": 0.05, "Re": 0.05, "Ie": 0.02}
MATCH_RADIUS_PIXELS = 3.0
# the tutorials that run LM fits (ModelZoo only renders; BasicPSFModels renders its PSF models)
FITTING_TUTORIALS = ("getting_started", "group_models", "fitting_methods", "advanced_psf_models", "custom_models")
# CustomModels' models are written in torch (run through polychrome/models/torch_interop.py)
NEEDS_TORCH = {"custom_models"}
# chi^2/ndf expected where a tutorial gives its target no variance (the default 1 a pixel):
# the simulated noise variance. CustomModels fits the GettingStarted image so.
CHI2_NDF_SCALE = {"custom_models": GETTING_STARTED_SIGMA ** 2}
# tutorials whose last fit alone is judged (see the module docstring)
LAST_FIT_ONLY = {"group_models"}


def _components(model):
    """The model itself, or the leaves of a group, recursively."""
    members = getattr(model, "models", None)
    if members is None:
        return [model]
    return [leaf for member in members.values() for leaf in _components(member)]


def _matched_truth(component, sources):
    """The TRUTH entry whose centre lies within MATCH_RADIUS_PIXELS of the component's, else None."""
    if component.model_type != "sersic galaxy model":
        return None
    x, y = component.target.plane_to_pixel(*np.asarray(component["center"].value, float))
    for name, truth in sources.items():
        if math.hypot(x - truth[0], y - truth[1]) <= MATCH_RADIUS_PIXELS:
            return name, truth
    return None


def _pull(name, value, truth, sigma):
    difference = value - truth
    if name == "PA":  # an angle modulo pi
        difference = (difference + math.pi / 2) % math.pi - math.pi / 2
    slack = SLACK[name]
    return abs(difference) / sigma if abs(difference) > slack else 0.0


@pytest.mark.parametrize("tutorial", FITTING_TUTORIALS)
def test_tutorial_fits_reach_sensible_answers(tutorial, tmp_path, monkeypatch):
    if tutorial in SLOW and os.environ.get("POLYCHROME_SLOW_TUTORIALS") != "1":
        pytest.skip("minutes long: set POLYCHROME_SLOW_TUTORIALS=1")
    if tutorial in NEEDS_TORCH:
        pytest.importorskip("torch", reason="its custom models are written in torch")
    fits, inside_cyclic = [], [0]
    lm_fit, cyclic_fit = lm_module.LM.fit, cyclic_module._Cycling.fit

    def recording_lm_fit(self):
        result = lm_fit(self)
        if not inside_cyclic[0]:
            fits.append((self.model, result))
        return result

    def recording_cyclic_fit(self):
        inside_cyclic[0] += 1
        try:
            result = cyclic_fit(self)
        finally:
            inside_cyclic[0] -= 1
        fits.append((self.model, result))
        return result

    monkeypatch.setattr(lm_module.LM, "fit", recording_lm_fit)
    monkeypatch.setattr(cyclic_module._Cycling, "fit", recording_cyclic_fit)
    run_tutorial(tutorial, workdir=str(tmp_path))
    assert fits, f"{tutorial}: no fit ran"
    if tutorial in LAST_FIT_ONLY:
        fits = fits[-1:]
    sources = TRUTH.get(tutorial, {})
    problems = []
    for model, result in fits:
        label = f"{tutorial}: fit of {model.name!r}"
        if not result.message.startswith("success"):
            problems.append(f"{label}: {result.message}")
        scale = CHI2_NDF_SCALE.get(tutorial, 1.0)
        if not CHI2_NDF_RANGE[0] <= result.chi2_ndf / scale <= CHI2_NDF_RANGE[1]:
            problems.append(f"{label}: chi2/ndf {result.chi2_ndf:.4g} outside {CHI2_NDF_RANGE} x {scale:g}")
        for component in _components(model):
            matched = _matched_truth(component, sources)
            if matched is None:
                continue
            source, (_, _, q, pa, n, re, ie) = matched
            for name, truth in zip(("q", "PA", "n", "Re", "Ie"), (q, pa, n, re, ie)):
                value = float(component[name].value)
                sigma = float(component[name].uncertainty)
                pull = _pull(name, value, truth, sigma)
                if not pull <= PULL_LIMIT:
                    problems.append(f"{label}: {source} {name} = {value:.4g} +- {sigma:.2g}, "
                                    f"truth {truth} ({pull:.1f} sigma)")
    assert not problems, "\n".join(problems)
