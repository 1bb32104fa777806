"""The pattern search of the PSF-convolved profile start (convolved_profile_fit): each refining
round tries, per shape parameter, only the side of the best point towards the parabola's minimum
through its tried neighbours. Checked against the full pattern search (both sides, the old path):
the same starts from fewer candidate renders."""

import math

import numpy as np
import pytest

import polychrome as pc
import polychrome.models.convolved_profile_fit as convolved_profile_fit
from polychrome.models import Model
from polychrome.models.convolved_profile_fit import _downhill_offsets
from polychrome.models.sersic import INDEX_GRID
from test_initialize_psf import COMPACT, PSF, _compact_target


def _parabola(u, minimum):
    return 3.0 + (u - minimum) ** 2


@pytest.mark.parametrize("minimum, expected", [(0.7, (-0.25, 0.0)), (1.3, (0.0, 0.25))])
def test_the_side_towards_the_parabolas_minimum(minimum, expected):
    """Unequal spacings on either side of the best point (u = 1): the parabola through the three
    points is the function itself, its minimum on the side returned."""
    found = [(_parabola(u, minimum), (u,)) for u in (0.0, 1.0, 1.6)]
    assert _downhill_offsets(found, (1.0,), 0, 0.25) == expected


def test_both_sides_without_a_neighbour_on_each():
    found = [(_parabola(u, 0.0), (u,)) for u in (0.0, 1.0)]
    assert _downhill_offsets(found, (0.0,), 0, 0.5) == (-0.5, 0.0, 0.5)


def test_neighbours_along_the_axis_only():
    """In 2-D the neighbours along axis 0 are the points sharing the best point's other
    coordinate: a lower point off that line does not count."""
    best = (1.0, 2.0)
    found = [(1.0, best), (2.0, (0.0, 2.0)), (5.0, (2.0, 2.0)), (0.5, (2.0, 3.0))]
    assert _downhill_offsets(found, best, 0, 0.5) == (-0.5, 0.0)
    assert _downhill_offsets(found, best, 1, 0.5) == (-0.5, 0.0, 0.5)  # nothing tried at y = 1


def _start(target, full_search, monkeypatch, **given):
    """(Re, n, candidate renders) of initialize() on ``target``: the search as it is, or the full
    pattern search (both sides of every axis each round)."""
    count = [0]
    candidate = convolved_profile_fit._candidate

    def counted(*args):
        count[0] += 1
        return candidate(*args)

    with monkeypatch.context() as patch:
        patch.setattr(convolved_profile_fit, "_candidate", counted)
        if full_search:
            patch.setattr(convolved_profile_fit, "_downhill_offsets",
                          lambda found, best, a, step: (-step, 0.0, step))
        model = Model(name="g", model_type="sersic galaxy model", target=target, **given).initialize()
    return model["Re"].value, model["n"].value, count[0]


@pytest.mark.parametrize("seed", range(4))
def test_the_same_start_as_the_full_search_from_fewer_renders(seed, monkeypatch):
    """A compact Sersic under a broad PSF, n alone searched (the centre, q, PA and Re given, as a
    survey's catalogue gives them) and n and Re together."""
    target = _compact_target(seed)
    given = {name: COMPACT[name] for name in ("center", "q", "PA", "Re")}
    for values in (given, {}):
        Re, n, renders = _start(target, False, monkeypatch, **values)
        Re_full, n_full, renders_full = _start(target, True, monkeypatch, **values)
        assert renders < renders_full
        assert (Re, n) == (Re_full, n_full), (values, Re, Re_full, n, n_full)


def test_the_cutout_of_an_unmasked_window_is_that_of_a_masked_one_off_the_mask():
    """An unmasked window's pixels are reshaped onto the grid, a masked one's scattered: the same
    data and weights (0 at the masked pixel) on the same box."""
    from polychrome.image import TargetImage
    from polychrome.models.convolved_profile_fit import Cutout
    from polychrome.models.initialization import WindowPixels

    full = _compact_target(0)
    mask = full.mask.copy()
    mask[21, 18] = True
    masked = TargetImage(full.data, variance=full.variance, mask=mask, psf=full.psf)
    cutouts = []
    for target in (full, masked):
        model = Model(name="g", model_type="sersic galaxy model", target=target)
        pixels = WindowPixels(model)
        cutouts.append(Cutout(model, pixels, pixels.values - 0.1, COMPACT["center"], 6.0))
    plain, holed = cutouts
    assert plain.shape == holed.shape == (14, 14)
    x0, y0 = (int(round(v)) for v in holed.origin)  # the box's first column and row (1 arcsec pixels)
    assert holed.weight[21 - y0, 18 - x0] == 0.0 and holed.data[21 - y0, 18 - x0] == 0.0
    keep = holed.weight > 0
    assert keep.sum() == keep.size - 1
    assert (plain.data[keep] == holed.data[keep]).all() and (plain.weight[keep] == holed.weight[keep]).all()
    assert (plain.origin == holed.origin).all()


def test_the_candidate_renderer_is_the_checked_call():
    """_candidate_renderer (the core through ProfileRenderer.unchecked, the centre, q and PA
    converted once; one renderer per absolute tolerance) renders the same pixels as a renderer's
    checked call at that tolerance, bit for bit, and refuses a wrong count of profile values."""
    from polychrome.render import ProfileRenderer

    target = _compact_target(0)

    def renderer(absolute_tolerance):
        return ProfileRenderer("sersic", (31, 29), pixelscale=target.pixelscale, origin=(-1.3, -1.1),
                               psf=target.psf.convolver, psf_upsample=target.psf_upsample, tolerance=1e-3,
                               threads=1, absolute_tolerance=absolute_tolerance)

    center, q, PA = np.array([0.21, -0.13]), np.float64(0.55), 0.8
    render = convolved_profile_fit._candidate_renderer(renderer, (0.21, -0.13), float(q), PA)
    for n, Re in [(0.5, 0.3), (2.0, 0.6), (np.float64(4.5), 1.1)]:
        np.testing.assert_array_equal(render([n, Re, 0.0]), renderer(0.0)([n, Re, 0.0], center, q, PA))
        np.testing.assert_array_equal(render([n, Re, 0.0], 2.0**-20),
                                      renderer(2.0**-20)([n, Re, 0.0], center, q, PA))
    with pytest.raises(ValueError, match="profile values"):
        render([2.0, 0.6])


def test_the_candidates_absolute_tolerance():
    """0 without a noise tolerance or before an amplitude; then the share of the noise tolerance
    over the largest amplitude so far, rounded down to a power of 16."""
    share = convolved_profile_fit.CANDIDATE_NOISE_SHARE
    none = convolved_profile_fit._AbsoluteTolerance(0.0)
    none.add(1.0)
    assert none.per_unit() == 0.0
    tolerance = convolved_profile_fit._AbsoluteTolerance(3e-3)
    assert tolerance.per_unit() == 0.0
    for log_amplitude in (0.5, 1.5, 1.0):
        tolerance.add(log_amplitude)
    wanted = share * 3e-3 / 10**1.5
    got = tolerance.per_unit()
    assert wanted / 16 < got <= wanted and got == 16.0 ** round(math.log(got, 16))


def test_a_noise_tolerance_keeps_the_start_of_the_default_accuracy(monkeypatch):
    """With a noise tolerance (as a survey fit sets), the candidates after the first are rendered
    to a share of it (an absolute tolerance > 0, fewer refinements): the same n and Re as the
    candidates at the relative tolerance alone, the brightness within 1e-5."""
    tolerances = []
    candidate = convolved_profile_fit._candidate

    def recorded(*args):
        tolerances.append(args[-1])
        return candidate(*args)

    monkeypatch.setattr(convolved_profile_fit, "_candidate", recorded)
    for seed in range(3):
        target = _compact_target(seed)
        given = {name: COMPACT[name] for name in ("center", "q", "PA")}
        plain = Model(name="g", model_type="sersic galaxy model", target=target, **given).initialize()
        assert set(tolerances) == {0.0}
        tolerances.clear()
        noisy = Model(name="g", model_type="sersic galaxy model", target=target, **given)
        noisy.set_noise_tolerance(1e-3).initialize()
        assert tolerances[0] == 0.0 and all(t > 0 for t in tolerances[1:]), tolerances
        tolerances.clear()
        assert (noisy["n"].value, noisy["Re"].value) == (plain["n"].value, plain["Re"].value)
        assert noisy["Ie"].value == pytest.approx(plain["Ie"].value, abs=1e-5)


@pytest.mark.parametrize("fixed_amplitude", [None, 0.3])
def test_a_candidates_chi2_is_the_direct_sum(fixed_amplitude):
    """_candidate reads chi^2 off sum w d^2, sum w d m and sum w m^2: the direct sum of
    w (d - a m)^2 over the cutout to rounding, at the fitted and at a given amplitude."""
    import numpy as np

    from polychrome.models.convolved_profile_fit import Cutout
    from polychrome.models.initialization import WindowPixels
    from polychrome.render import ProfileRenderer

    target = _compact_target(1)
    model = Model(name="g", model_type="sersic galaxy model", target=target)
    pixels = WindowPixels(model)
    cutout = Cutout(model, pixels, pixels.values, COMPACT["center"], 8.0)
    renderer = ProfileRenderer("sersic", cutout.shape, pixelscale=target.pixelscale, origin=cutout.origin,
                               psf=target.psf.convolver, tolerance=1e-3)
    values = dict(COMPACT, n=2.5, Re=1.2)
    render = convolved_profile_fit._candidate_renderer(lambda tolerance: renderer, tuple(COMPACT["center"]),
                                                       COMPACT["q"], COMPACT["PA"])
    chi2, log_amplitude = convolved_profile_fit._candidate(model, render, cutout, values, COMPACT["q"],
                                                           fixed_amplitude)
    image = renderer([2.5, 1.2, 0.0], COMPACT["center"], COMPACT["q"], COMPACT["PA"])
    amplitude = (np.sum(cutout.weight * cutout.data * image) / np.sum(cutout.weight * image**2)
                 if fixed_amplitude is None else 10**fixed_amplitude)
    assert log_amplitude == pytest.approx(math.log10(amplitude), abs=1e-14)
    assert chi2 == pytest.approx(np.sum(cutout.weight * (cutout.data - amplitude * image) ** 2), rel=1e-10)


def _rendered_indices(n_true, seed, monkeypatch):
    """The Sersic indices of the candidates rendered, in order, for a compact source of index
    ``n_true`` with its centre, q, PA and Re given (n alone searched, as in a survey), and the
    start's n."""
    truth = dict(COMPACT, n=n_true)
    blank = pc.image.TargetImage(np.zeros((40, 40)), psf=PSF)
    image = Model(name="truth", model_type="sersic galaxy model", target=blank, **truth).sample().data
    sigma = 0.02 * image.max()
    data = image + np.random.default_rng(seed).normal(0.0, sigma, image.shape)
    target = pc.image.TargetImage(data, variance=np.full(image.shape, sigma**2), psf=PSF)
    rendered = []
    candidate = convolved_profile_fit._candidate

    def recorded(model, render, cutout, values, *args):
        rendered.append(values["n"])
        return candidate(model, render, cutout, values, *args)

    given = {name: truth[name] for name in ("center", "q", "PA", "Re")}
    with monkeypatch.context() as patch:
        patch.setattr(convolved_profile_fit, "_candidate", recorded)
        model = Model(name="g", model_type="sersic galaxy model", target=target, **given).initialize()
    return rendered, model["n"].value


@pytest.mark.parametrize("seed", range(2))
def test_the_high_end_of_one_axis_only_where_the_low_end_does_not_beat_the_middle(seed, monkeypatch):
    """n alone searched: the middle of the coarse n (2.0), then the low end (0.4); the high end
    (8.0) only where the low end's chi^2 is not below the middle's: skipped for an n = 0.6
    source, rendered for an n = 5 source (whose start is then above the middle)."""
    axis = convolved_profile_fit._SearchAxis(INDEX_GRID)
    low, middle, high = (axis.value(u) for u in axis.coarse)
    rendered, n = _rendered_indices(0.6, seed, monkeypatch)
    assert rendered[:2] == pytest.approx([middle, low]) and not any(v == pytest.approx(high) for v in rendered)
    assert n < middle
    rendered, n = _rendered_indices(5.0, seed, monkeypatch)
    assert rendered[:3] == pytest.approx([middle, low, high])
    assert n > middle
