"""Model.set_noise_tolerance: renders whose pixels may err by a small fraction of the noise sigma.

A survey's faint galaxy (0.1" pixels, a 37x37 PSF, Re of 1.5-3 pixels, a steep or flat profile)
rendered to the default 1e-5 of every pixel costs several times what the noise asks for; with
a noise tolerance the model pixels stay within that fraction of sigma of the default render and
a fit of noisy data lands where the default one does, well within the uncertainties.
"""

import pickle

import numpy as np
import pytest

import polychrome as pc
from polychrome.utils.initialize import gaussian_psf

SIGMA = 2.0
TRUTH = {"center": [2.31, 2.27], "q": 0.35, "PA": 0.8, "n": 4.0, "Re": 0.25, "Ie": 2.3}


def _target(seed, truth=TRUTH):
    """A 48x48 noisy image (0.1"/px, sigma 2) of a small Sersic galaxy through a 37x37 PSF."""
    psf = gaussian_psf(0.13, 37, 0.1)
    blank = pc.image.TargetImage(np.zeros((48, 48)), pixelscale=0.1, psf=psf)
    exact = pc.models.Model(name="truth", model_type="sersic galaxy model", target=blank, **truth).sample().data
    noise = np.random.default_rng(seed).normal(0.0, SIGMA, exact.shape)
    return pc.image.TargetImage(exact + noise, variance=np.full(exact.shape, SIGMA**2), pixelscale=0.1, psf=psf)


def _model(target, **values):
    return pc.models.Model(name="galaxy", model_type="sersic galaxy model", target=target, **values)


@pytest.mark.parametrize("fraction", [1e-3, 1e-2])
def test_pixels_within_the_fraction_of_sigma(fraction):
    target = _target(seed=1)
    cases = [TRUTH, dict(TRUTH, n=0.5, q=0.05), dict(TRUTH, n=8.0, Re=0.12)]
    for values in cases:
        default = _model(target, **values).sample().data
        loose = _model(target, **values).set_noise_tolerance(fraction).sample().data
        difference = np.abs(loose - default).max()
        assert difference <= 2.0 * fraction * SIGMA, values
        assert difference > 0.0, "the tolerance is not used"


def test_fit_unchanged_within_a_small_fraction_of_the_uncertainties():
    for seed in (2, 3):
        target = _target(seed)
        start = dict(TRUTH, center=[2.33, 2.25], q=0.45, n=2.5, Re=0.3, Ie=2.0)
        results = []
        for fraction in (None, 1e-3):
            model = _model(target, **start).set_noise_tolerance(fraction)
            result = pc.fit.LM(model).fit()
            values = np.concatenate([np.atleast_1d(model[name].value) for name in TRUTH])
            errors = np.concatenate([np.atleast_1d(model[name].uncertainty) for name in TRUTH])
            results.append((values, errors, result))
        (exact, errors, _), (loose, _, _) = results
        assert np.all(np.abs(loose - exact) <= 0.05 * errors), (loose - exact) / errors


def test_group_passes_it_to_components_and_it_pickles():
    target = _target(seed=4)
    galaxy = _model(target, **TRUTH)
    sky = pc.models.Model(name="sky", model_type="flat sky model", target=target, F=0.0)
    group = pc.models.Model(name="group", model_type="group model", models=[galaxy, sky], target=target)
    group.set_noise_tolerance(1e-3)
    assert galaxy._absolute_tolerance() == pytest.approx(1e-3 * SIGMA)
    copy = pickle.loads(pickle.dumps(group))
    np.testing.assert_array_equal(copy.sample().data, group.sample().data)
    group.set_noise_tolerance(None)
    assert galaxy._absolute_tolerance() == 0.0


def test_no_variance_keeps_the_default_accuracy():
    target = pc.image.TargetImage(_target(seed=5).data, pixelscale=0.1, psf=gaussian_psf(0.13, 37, 0.1))
    default = _model(target, **TRUTH).sample().data
    np.testing.assert_array_equal(_model(target, **TRUTH).set_noise_tolerance(1e-2).sample().data, default)


@pytest.mark.parametrize("bad, error", [(0.0, ValueError), (0.5, ValueError), (-1e-3, ValueError),
                                        (float("nan"), ValueError), ("1e-3", TypeError), (True, TypeError)])
def test_bad_fraction_is_refused(bad, error):
    with pytest.raises(error, match="fraction"):
        _model(_target(seed=6), **TRUTH).set_noise_tolerance(bad)
