"""Iter, Iter_LM and Grad (issue 13) reach LM's solution on simulated data with known truth."""

import numpy as np
import pytest

import polychrome as pc
from model_helpers import make_target

SIGMA = 0.03
TRUTH = {"a": dict(center=[5.0, 6.0], q=0.6, PA=0.4, n=1.5, Re=1.5, Ie=0.2),
         "b": dict(center=[10.5, 9.0], q=0.8, PA=2.0, n=2.5, Re=1.0, Ie=0.3)}


def blend(seed=5):
    target = make_target(shape=(40, 44), pixelscale=0.35)
    truth = [pc.models.Model(name=n, model_type="sersic galaxy model", target=target, **v) for n, v in TRUTH.items()]
    truth.append(pc.models.Model(name="sky", model_type="flat sky model", target=target, F=0.5))
    data = sum(m.sample().data for m in truth) + np.random.default_rng(seed).normal(0, SIGMA, target.shape)
    observed = pc.image.TargetImage(data, variance=np.full(data.shape, SIGMA ** 2), pixelscale=0.35)
    start = {"a": dict(center=[5.2, 5.8], q=0.7, PA=0.5, n=2.0, Re=1.2, Ie=0.1),
             "b": dict(center=[10.3, 9.2], q=0.7, PA=1.9, n=2.0, Re=1.2, Ie=0.2)}
    members = [pc.models.Model(name=n, model_type="sersic galaxy model", target=observed, window=[[0, 44], [0, 40]],
                               **v) for n, v in start.items()]
    members.append(pc.models.Model(name="sky", model_type="flat sky model", target=observed, F=0.45))
    return pc.models.Model(name="blend", model_type="group model", models=members)


@pytest.fixture(scope="module")
def lm_solution():
    group = blend()
    result = pc.fit.LM(group).fit()
    assert result.success
    return result


@pytest.mark.parametrize("fitter", [
    lambda g: pc.fit.Iter(g, max_iter=30, relative_tolerance=1e-6),
    # chunks of 5 split each galaxy's strongly correlated n, Re, Ie: block by block it converges slowly
    lambda g: pc.fit.Iter_LM(g, chunks=5, max_iter=100, relative_tolerance=1e-7),
], ids=["Iter", "Iter_LM"])
def test_cyclic_fits_reach_the_lm_solution(fitter, lm_solution):
    group = blend()
    result = fitter(group).fit()
    assert result.success, result.message
    assert abs(result.chi2_ndf - lm_solution.chi2_ndf) < 1e-3 * lm_solution.chi2_ndf
    # each value within a fifth of its LM uncertainty
    np.testing.assert_array_less(np.abs(result.x - lm_solution.x), 0.2 * lm_solution.uncertainties)
    assert result.names == lm_solution.names
    # the locks were put back: every parameter free again
    assert not any(p.locked for p in group.all_parameters())


def test_iter_lm_chunks_never_split_a_vector_parameter():
    group = blend()
    parts = list(pc.fit.Iter_LM(group, chunks=1)._parts())
    sizes = [sum(q.size for q in quantities) for _, quantities in parts]
    assert max(sizes) == 2 and sum(sizes) == 15  # centres (2) alone, every scalar alone


def test_grad_lowers_chi2_towards_the_lm_minimum(lm_solution):
    group = blend()
    before = pc.fit.Posterior(group)
    start_chi2 = -2 * before.log_prob(before.start)
    result = pc.fit.Grad(group, max_iter=400, optim_kwargs={"lr": 5e-3}).fit()
    assert result.chi2 < 0.5 * start_chi2
    assert result.chi2 >= lm_solution.chi2 * (1 - 1e-9)  # LM's is the minimum
    # the model holds the best point Grad met
    check = pc.fit.Posterior(group)
    assert abs(-2 * check.log_prob(check.start) - result.chi2) < 1e-6 * result.chi2


def test_grad_converges_on_a_linear_problem():
    group = blend()
    sky = group.models["sky"]
    for name in ("a", "b"):
        for p in group.models[name].parameters:
            p.locked = True
    exact = pc.fit.LM(sky.target and group).fit().x  # one free value: the sky
    sky["F"].value = 0.3
    pc.fit.Grad(group, max_iter=3000, optim_kwargs={"lr": 1e-3}).fit()
    assert abs(sky["F"].value - exact[0]) < 1e-3


def test_bad_arguments_are_named():
    group = blend()
    with pytest.raises(ValueError, match="optim_kwargs: unknown key"):
        pc.fit.Grad(group, optim_kwargs={"momentum": 0.9})
    with pytest.raises(ValueError, match="chunks must be an integer >= 1"):
        pc.fit.Iter_LM(group, chunks=0)
    with pytest.raises(ValueError, match="relative_tolerance must be a number in"):
        pc.fit.Iter(group, relative_tolerance=2)
