"""fit.LM on models: recovery of simulated galaxies and honest uncertainties.

The data are exact pixel integrals from the independent reference
(tests/reference_integrals.py), not polychrome's renderer, plus Gaussian noise.
"""

import functools

import numpy as np
import pytest

import polychrome as pc
from reference_integrals import Profile, reference_image

TRUTH = dict(x=32.3, y=31.8, q=0.6, PA=0.5, n=2.5, Re=3.0, Ie=0.0)


@functools.lru_cache(maxsize=None)
def _truth_image(shape):
    """The noiseless image of TRUTH (computed once per shape: every realisation shares it)."""
    t = TRUTH
    image = reference_image(Profile("sersic", dict(n=t["n"], Re=t["Re"], Ie=t["Ie"])), shape,
                            (t["x"], t["y"]), t["q"], t["PA"])
    image.flags.writeable = False
    return image


def _simulated_target(seed, noise_fraction=0.02, shape=(64, 64), mask=None):
    image = _truth_image(tuple(shape))
    sigma = noise_fraction * image.max()
    data = image + np.random.default_rng(seed).normal(0.0, sigma, shape)
    return pc.image.TargetImage(data, variance=np.full(shape, sigma**2), mask=mask)


def _perturbed_model(target):
    """Start 2 px off in centre, +0.15... here -0.15 in q, +20 deg in PA,
    +30% in Re, -40% in flux (Ie), n off by 0.5."""
    t = TRUTH
    return pc.models.Model(name="gal", model_type="sersic galaxy model", target=target,
                           center=[t["x"] + 1.4, t["y"] - 1.4], q=t["q"] - 0.15,
                           PA=t["PA"] + np.radians(20), n=t["n"] - 0.5, Re=1.3 * t["Re"],
                           Ie=t["Ie"] + np.log10(0.6))


def _values(model):
    c = model["center"].value
    return np.array([c[0], c[1], model["q"].value, model["PA"].value, model["n"].value,
                     model["Re"].value, model["Ie"].value])


def _uncertainties(model):
    c = model["center"].uncertainty
    return np.array([c[0], c[1]] + [model[k].uncertainty for k in ("q", "PA", "n", "Re", "Ie")])


TRUE_VECTOR = np.array([TRUTH[k] for k in ("x", "y", "q", "PA", "n", "Re", "Ie")])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_recovers_a_sersic_from_a_perturbed_start(seed):
    model = _perturbed_model(_simulated_target(seed))
    result = pc.fit.LM(model).fit()
    assert result.message == "success"
    assert 0.9 < result.chi2_ndf < 1.1
    pull = (_values(model) - TRUE_VECTOR) / _uncertainties(model)
    assert np.all(np.abs(pull) < 4), dict(zip(result.names, pull))
    assert result.covariance.shape == (7, 7)


def _model_at_truth(target):
    t = TRUTH
    return pc.models.Model(name="gal", model_type="sersic galaxy model", target=target,
                           center=[t["x"], t["y"]], q=t["q"], PA=t["PA"], n=t["n"], Re=t["Re"],
                           Ie=t["Ie"])


def test_uncertainties_cover_the_truth_over_noise_realisations():
    pulls = []
    for seed in range(50):
        model = _perturbed_model(_simulated_target(100 + seed))
        result = pc.fit.LM(model).fit()
        assert result.message == "success"
        pulls.append((_values(model) - TRUE_VECTOR) / _uncertainties(model))
    pulls = np.array(pulls)
    assert np.all(np.abs(pulls.mean(axis=0)) < 0.3), pulls.mean(axis=0)
    assert np.all((pulls.std(axis=0) > 0.8) & (pulls.std(axis=0) < 1.25)), pulls.std(axis=0)


def test_verbose_prints_one_line_per_step(capsys):
    model = _perturbed_model(_simulated_target(0))
    result = pc.fit.LM(model, verbose=1, max_iter=5).fit()
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("iter")]
    assert len(lines) == result.iterations


def test_all_masked_image_ends_with_a_message():
    target = _simulated_target(0, mask=np.ones((64, 64), bool))
    model = _perturbed_model(target)
    result = pc.fit.LM(model).fit()
    assert result.message == "no data: every pixel is masked"
    assert np.all(np.isfinite(_values(model)))


def test_bad_options_are_rejected():
    model = _perturbed_model(_simulated_target(0))
    with pytest.raises(ValueError, match="max_iter"):
        pc.fit.LM(model, max_iter=0)
    with pytest.raises(ValueError, match="epsilon4"):
        pc.fit.LM(model, epsilon4=1.5)


def test_a_fit_turns_the_ellipse_through_q_equal_1():
    """Started at q = 0.9 with the major axis 90 deg off: the fit must pass q
    through 1 (folding to the equivalent q < 1 form) to reach the truth."""
    target = _simulated_target(3)
    model = _model_at_truth(target)
    model["q"].value = 0.9
    model["PA"].value = (TRUTH["PA"] + np.pi / 2) % np.pi
    result = pc.fit.LM(model).fit()
    assert result.message == "success"
    assert abs(model["q"].value - TRUTH["q"]) < 4 * model["q"].uncertainty
    assert abs(model["PA"].value - TRUTH["PA"]) < 4 * model["PA"].uncertainty
    assert abs(model["Re"].value - TRUTH["Re"]) < 4 * model["Re"].uncertainty


def test_fold_maps_q_above_1_to_the_same_ellipse():
    from polychrome.fit import ModelProblem

    model = _model_at_truth(_simulated_target(0))
    problem = ModelProblem(model)
    x = problem.free.get_values()
    names = problem.free.names  # center (2 values), q, PA, n, Re, Ie
    assert names == ["center", "q", "PA", "n", "Re", "Ie"]
    x_wide = x.copy()
    # q = 1/0.6 along PA - 90 deg, semi-major-along-that-axis radius 0.6 Re: the same ellipse
    x_wide[2], x_wide[3], x_wide[5] = 1.0 / 0.6, TRUTH["PA"] - np.pi / 2, TRUTH["Re"] * 0.6
    folded = problem.normalise(x_wide)
    assert np.isclose(folded[2], 0.6) and np.isclose(folded[3] % np.pi, TRUTH["PA"] % np.pi)
    assert np.isclose(folded[5], TRUTH["Re"])


def test_galaxy_of_zero_flux_ends_finite_with_a_message():
    """Pure noise: the fit chases noise but stays finite and says how it ended."""
    data = np.random.default_rng(0).normal(0.0, 1.0, (40, 40))
    target = pc.image.TargetImage(data, variance=np.ones((40, 40)))
    model = pc.models.Model(name="g", model_type="sersic galaxy model", target=target,
                            center=[20.0, 20.0], q=0.7, PA=0.3, n=2.0, Re=3.0, Ie=0.0)
    result = pc.fit.LM(model, max_iter=30).fit()
    assert result.message in ("success", "reached max_iter = 30 without converging") or \
        result.message.startswith("stopped") or "not constrained" in result.message
    values = [model[k].value for k in ("center", "q", "PA", "n", "Re", "Ie")]
    assert all(np.all(np.isfinite(v)) for v in values)
    assert np.all(np.isfinite(result.covariance)) or "not constrained" in result.message


@pytest.mark.parametrize("seed", [0, 1])
def test_recovers_a_sersic_from_initialize_alone(seed):
    target = _simulated_target(seed)
    model = pc.models.Model(name="gal", model_type="sersic galaxy model", target=target)
    model.initialize()
    result = pc.fit.LM(model).fit()
    assert result.message == "success"
    assert 0.9 < result.chi2_ndf < 1.1
    pull = (_values(model) - TRUE_VECTOR) / _uncertainties(model)
    assert np.all(np.abs(pull) < 4), dict(zip(result.names, pull))
