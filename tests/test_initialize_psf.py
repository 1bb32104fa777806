"""initialize() under a PSF and in blends: a compact source under a broad PSF starts near its
truth (moments and profile corrected for the PSF), the fits from those starts reach the
minimum, and a source does not start on a brighter neighbour in its window."""

import numpy as np
import pytest

import polychrome as pc
from polychrome.models import Model
from polychrome.utils.initialize import moffat_psf
from test_initialize_models import simulate

BETA = 3.0
FWHM = 4.0  # pixels
PSF = moffat_psf(BETA, FWHM / (2.0 * np.sqrt(2.0 ** (1.0 / BETA) - 1.0)), 25, 1.0)
COMPACT = dict(center=[20.3, 19.6], q=0.6, PA=0.7, n=1.5, Re=1.5, Ie=1.0)  # Re = 1.5 px
SEEDS = range(6)


def _compact_target(seed, shape=(40, 40)):
    blank = pc.image.TargetImage(np.zeros(shape), psf=PSF)
    image = Model(name="truth", model_type="sersic galaxy model", target=blank, **COMPACT).sample().data
    sigma = 0.05 * image.max()  # S/N ~ 50
    data = image + np.random.default_rng(seed).normal(0.0, sigma, shape)
    return pc.image.TargetImage(data, variance=np.full(shape, sigma**2), psf=PSF)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_compact_source_under_a_broad_psf_starts_near_its_truth(seed):
    """Without the PSF the start was Re ~ 3.2-4.9 px, q ~ 0.7-0.95 (the PSF's size and roundness)."""
    model = Model(name="g", model_type="sersic galaxy model", target=_compact_target(seed)).initialize()
    assert model["Re"].value == pytest.approx(COMPACT["Re"], rel=0.35)
    assert model["q"].value == pytest.approx(COMPACT["q"], abs=0.12)
    np.testing.assert_allclose(model["center"].value, COMPACT["center"], atol=0.5)
    assert model.total_flux() == pytest.approx(
        Model(name="t", model_type="sersic galaxy model", target=model.target, **COMPACT).total_flux(), rel=0.35)


def test_fits_from_initialize_reach_the_minimum_under_a_broad_psf():
    """Every seed: the fit from initialize() ends where the fit from the truth ends, and a
    "success" is never reported away from the minimum."""
    for seed in SEEDS:
        target = _compact_target(seed)
        model = Model(name="g", model_type="sersic galaxy model", target=target).initialize()
        result = pc.fit.LM(model).fit()
        reference = pc.fit.LM(Model(name="g", model_type="sersic galaxy model", target=target, **COMPACT)).fit()
        assert result.success, (seed, result.message)
        assert result.chi2 - reference.chi2 < 0.1, (seed, result.chi2 - reference.chi2)


def test_a_source_does_not_start_on_a_brighter_neighbour_in_its_window():
    """The faint source's window holds the bright neighbour's core too (and more signal than the
    bright one's own small window, so it is initialised first): it must start on its own peak,
    the one nearest its window's centre, not on the brightest pixel."""
    bright = dict(center=[20.0, 25.0], q=0.8, PA=0.3, n=1.5, Re=3.0, Ie=1.5)
    faint = dict(center=[32.0, 25.0], q=0.7, PA=1.2, n=1.0, Re=1.5, Ie=0.8)
    target = simulate(3, galaxies=(bright, faint))
    near = Model(name="bright", model_type="sersic galaxy model", target=target, window=[[32, 48], [42, 58]])
    wide = Model(name="faint", model_type="sersic galaxy model", target=target, window=[[34, 94], [20, 80]])
    sky = Model(name="sky", model_type="flat sky model", target=target)
    Model(name="blend", model_type="group model", models=[near, wide, sky]).initialize()
    np.testing.assert_allclose(wide["center"].value, faint["center"], atol=1.0)
    np.testing.assert_allclose(near["center"].value, bright["center"], atol=1.0)
