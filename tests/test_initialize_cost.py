"""The cost of initialize() under a PSF, counted in core renders (not timed): the PSF-convolved
profile search must stay a few dozen candidates per source (it was ~100, ~86 ms per source), and a
well-resolved source needs none (its observed annuli give the profile start)."""

import numpy as np
import pytest

import polychrome as pc
from polychrome.models import Model
from polychrome.render import ProfileRenderer
from test_initialize_psf import COMPACT, PSF, _compact_target

# initialize() renders a few strips of the profile for the window besides the candidates
OTHER_RENDERS = 4
# Sersic (two shape parameters): 3 x 4 coarse candidates and 2 rounds of 8 neighbours at most
MOST_RENDERS_TWO_SHAPES = 28 + OTHER_RENDERS
# exponential (one shape parameter): 4 coarse candidates and 2 rounds of 2 neighbours at most
MOST_RENDERS_ONE_SHAPE = 8 + OTHER_RENDERS


@pytest.fixture
def render_count(monkeypatch):
    """The number of profile renders initialize() makes, whichever module makes them (every
    render_profile call is a ProfileRenderer call, every candidate of the convolved search a call
    of a ProfileRenderer's unchecked())."""
    count = [0]
    original, original_unchecked = ProfileRenderer.__call__, ProfileRenderer.unchecked

    def counted(*args, **kwargs):
        count[0] += 1
        return original(*args, **kwargs)

    def counted_unchecked(self):
        call = original_unchecked(self)

        def counted_call(*args, **kwargs):
            count[0] += 1
            return call(*args, **kwargs)

        return counted_call

    monkeypatch.setattr(ProfileRenderer, "__call__", counted)
    monkeypatch.setattr(ProfileRenderer, "unchecked", counted_unchecked)
    return count


@pytest.mark.parametrize("seed", range(3))
def test_a_compact_sersic_under_a_broad_psf_costs_a_few_dozen_renders(seed, render_count):
    model = Model(name="g", model_type="sersic galaxy model", target=_compact_target(seed)).initialize()
    assert 10 + OTHER_RENDERS < render_count[0] <= MOST_RENDERS_TWO_SHAPES
    assert model["Re"].value == pytest.approx(COMPACT["Re"], rel=0.35)


def test_a_compact_exponential_costs_few_renders(render_count):
    Model(name="g", model_type="exponential galaxy model", target=_compact_target(0)).initialize()
    assert OTHER_RENDERS < render_count[0] <= MOST_RENDERS_ONE_SHAPE


def test_a_well_resolved_source_needs_no_convolved_candidates(render_count):
    """Re = 8 px under the 4 px FWHM Moffat: the observed moments are far larger than the PSF's."""
    truth = dict(center=[40.3, 39.6], q=0.6, PA=0.7, n=1.5, Re=8.0, Ie=1.0)
    shape = (80, 80)
    blank = pc.image.TargetImage(np.zeros(shape), psf=PSF)
    image = Model(name="t", model_type="sersic galaxy model", target=blank, **truth).sample().data
    sigma = 0.05 * image.max()
    data = image + np.random.default_rng(0).normal(0.0, sigma, shape)
    target = pc.image.TargetImage(data, variance=np.full(shape, sigma**2), psf=PSF)
    model = Model(name="g", model_type="sersic galaxy model", target=target).initialize()
    assert render_count[0] <= OTHER_RENDERS
    assert model["Re"].value == pytest.approx(truth["Re"], rel=0.25)
    assert model["q"].value == pytest.approx(truth["q"], abs=0.1)
