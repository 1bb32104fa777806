"""Samplers (issue 13): NUTS, HMC, MHMCMC and Emcee recover known posteriors.

1. A plane sky on pure Gaussian noise: the posterior of (F, delta) is exactly
   Gaussian, mean and covariance from weighted least squares written here
   with numpy (an independent reference).
2. A Sersic galaxy on simulated data: the posterior is close to Gaussian, so
   the chains' means and covariance agree with LM's solution and covariance
   within their Monte-Carlo errors.
"""

import numpy as np
import pytest

import polychrome as pc
from model_helpers import make_target

SIGMA = 0.05  # pixel noise, flux per pixel


def plane_sky_problem(seed=3):
    target = make_target(shape=(24, 30), pixelscale=0.5)
    truth = pc.models.Model(name="sky", model_type="plane sky model", target=target, F=2.0, delta=[0.05, -0.03])
    rng = np.random.default_rng(seed)
    data = truth.sample().data + rng.normal(0.0, SIGMA, target.shape)
    observed = pc.image.TargetImage(data, variance=np.full(target.shape, SIGMA ** 2), pixelscale=0.5)
    model = pc.models.Model(name="sky", model_type="plane sky model", target=observed, F=1.9, delta=[0.0, 0.0])
    # the exact posterior: linear least squares with the design matrix of the plane
    x, y = pc.image.ModelImage(observed.window).pixel_center_grid()
    reference = model.reference
    area = observed.pixel_area
    design = area * np.stack([np.ones(x.size), (x - reference[0]).ravel(), (y - reference[1]).ravel()], axis=1)
    normal = design.T @ design / SIGMA ** 2
    covariance = np.linalg.inv(normal)
    mean = covariance @ (design.T @ data.ravel() / SIGMA ** 2)
    pc.fit.LM(model).fit()  # start the samplers at the mode
    return model, mean, covariance


def check_chain(result, mean, covariance, ess_floor=50):
    """Means within 4.5 Monte-Carlo errors, standard deviations within their sampling error."""
    ess = result.effective_sample_size
    assert np.all(ess > ess_floor), ess
    error = np.sqrt(np.diag(covariance)) / np.sqrt(ess)
    np.testing.assert_array_less(np.abs(result.mean - mean), 4.5 * error)
    relative = np.abs(result.std / np.sqrt(np.diag(covariance)) - 1)
    np.testing.assert_array_less(relative, 5.0 / np.sqrt(2 * ess) + 0.05)


def test_posterior_gradient_is_the_derivative_of_log_prob():
    model, _, _ = plane_sky_problem()
    galaxy_target = make_target(shape=(30, 30), pixelscale=0.4)
    galaxy = pc.models.Model(name="g", model_type="sersic galaxy model", target=galaxy_target,
                             center=[6.1, 5.9], q=0.7, PA=0.5, n=1.5, Re=1.5, Ie=0.0)
    data = galaxy.sample().data + np.random.default_rng(1).normal(0, SIGMA, galaxy_target.shape)
    observed = pc.image.TargetImage(data, variance=np.full(data.shape, SIGMA ** 2), pixelscale=0.4)
    fitted = pc.models.Model(name="g", model_type="sersic galaxy model", target=observed, window=[[0, 30], [0, 30]],
                             center=[6.0, 6.0], q=0.65, PA=0.55, n=1.7, Re=1.4, Ie=0.05)
    for m in (model, fitted):
        posterior = pc.fit.Posterior(m)
        x = posterior.start
        _, gradient = posterior.log_prob_and_gradient(x)
        numeric = []
        for k in range(x.size):
            h = 1e-5 * max(abs(x[k]), 1.0)
            up, down = x.copy(), x.copy()
            up[k] += h
            down[k] -= h
            numeric.append((posterior.log_prob(up) - posterior.log_prob(down)) / (2 * h))
        np.testing.assert_allclose(gradient, numeric, rtol=2e-4, atol=1e-3 * np.max(np.abs(numeric)))


@pytest.mark.parametrize("make_sampler", [
    lambda m, cov: pc.fit.NUTS(m, warmup=100, max_iter=600, inv_mass=cov, seed=1),
    lambda m, cov: pc.fit.HMC(m, warmup=100, max_iter=600, epsilon=0.5, leapfrog_steps=5, inv_mass=cov, seed=2),
    lambda m, cov: pc.fit.MHMCMC(m, max_iter=20000, epsilon=1.4, proposal_covariance=cov, seed=3),
    lambda m, cov: pc.fit.Emcee(m, nwalkers=16, warmup=200, max_iter=600, covariance=cov, seed=4),
], ids=["NUTS", "HMC", "MHMCMC", "Emcee"])
def test_samplers_recover_an_exact_gaussian_posterior(make_sampler):
    model, mean, covariance = plane_sky_problem()
    start = [p.value for p in model.parameters]
    # the mass matrix / proposal from a rough guess (diagonal x 1.5), not the answer itself
    guess = 1.5 * np.diag(np.diag(covariance))
    result = make_sampler(model, guess).fit()
    assert result.chain.shape[1] == 3 and result.names == ["sky:F", "sky:delta[0]", "sky:delta[1]"]
    check_chain(result, mean, covariance)
    # correlations too (F with the slopes: the reference point is the image centre, near zero)
    scale = np.sqrt(np.outer(np.diag(covariance), np.diag(covariance)))
    np.testing.assert_array_less(np.abs(result.covariance - covariance), 0.25 * scale)
    # the model keeps the values the sampler started from
    np.testing.assert_allclose(np.concatenate([np.ravel(v) for v in start]),
                               np.concatenate([np.ravel(p.value) for p in model.parameters]))
    assert "samples" in result.summary() or "proposals" in result.summary()


def test_nuts_on_a_galaxy_agrees_with_the_lm_covariance():
    pixelscale = 0.4
    target = make_target(shape=(36, 36), pixelscale=pixelscale, psf_sigma=0.5, psf_width=11)
    truth = pc.models.Model(name="g", model_type="sersic galaxy model", target=target,
                            center=[7.2, 7.0], q=0.6, PA=1.0, n=2.0, Re=2.0, Ie=0.3)
    data = truth.sample().data + np.random.default_rng(7).normal(0, SIGMA, target.shape)
    observed = pc.image.TargetImage(data, variance=np.full(data.shape, SIGMA ** 2), pixelscale=pixelscale,
                                    psf=target.psf.data)
    model = pc.models.Model(name="g", model_type="sersic galaxy model", target=observed,
                            window=[[0, 36], [0, 36]])
    model.initialize()
    lm = pc.fit.LM(model).fit()
    assert lm.success and abs(lm.chi2_ndf - 1) < 0.1
    result = pc.fit.NUTS(model, warmup=100, max_iter=500, inv_mass=lm.covariance, seed=11).fit()
    assert result.names == lm.names
    check_chain(result, lm.x, lm.covariance, ess_floor=80)


def test_sampler_arguments_are_checked():
    model, _, _ = plane_sky_problem()
    with pytest.raises(ValueError, match="epsilon must be a positive finite number"):
        pc.fit.HMC(model, epsilon=-1)
    with pytest.raises(ValueError, match=r"inv_mass must be a finite \(3, 3\) matrix"):
        pc.fit.NUTS(model, inv_mass=np.eye(2))
    with pytest.raises(ValueError, match="inv_mass must be positive definite"):
        pc.fit.NUTS(model, inv_mass=np.zeros((3, 3)))
    with pytest.raises(TypeError, match="max_iter must be an integer"):
        pc.fit.MHMCMC(model, max_iter=10.5)
