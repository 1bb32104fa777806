"""The shortcuts initialize() takes for survey sources give the numbers of the long way:
the PSF's second moments measured once per PSF in its own pixels and mapped onto a square-pixel
grid (against the measurement on that grid itself), the annuli's sort (against np.lexsort), the offsets
from a centre shared by the moments and the annuli, and a
source whose shape is all given (no moments measured) starting where it did with them."""

import math

import numpy as np
import pytest

import polychrome as pc
from polychrome.models import Model
from polychrome.models import initialization
from polychrome.models.galaxy_model import GalaxyModel
from polychrome.utils.initialize import moffat_psf


def _elliptical_psf(size=31):
    """An elliptical, off-axis Moffat-like PSF (sum 1): its moments depend on the grid's rotation."""
    y, x = np.indices((size, size), float) - size // 2
    c, s = math.cos(0.4), math.sin(0.4)
    along, across = x * c + y * s, -x * s + y * c
    data = (1.0 + (along / 3.0) ** 2 + (across / 1.8) ** 2) ** -3.0
    return pc.image.PSFImage(data / data.sum())


def _measured_on(psf, grid):
    """The long way: the PSF's pixels placed on ``grid`` (arcsec per PSF pixel) and measured there."""
    pixels = initialization._PsfPixels(psf, np.asarray(grid, float))
    return initialization.moment_matrix(*initialization.shape_moments(pixels, pixels.values, np.zeros(2)))


@pytest.mark.parametrize("angle, scale, flip", [(0.0, 0.1, False), (0.7, 0.2, False), (2.1, 0.04, True),
                                                (math.pi / 2, 1.0, True)])
def test_psf_moments_mapped_from_psf_pixels_match_the_measurement_on_the_grid(angle, scale, flip):
    """On a scaled rotation (or reflection) the moments in PSF pixels, mapped by the grid, are
    those measured on the grid itself, to rounding."""
    psf = _elliptical_psf()
    c, s = math.cos(angle), math.sin(angle)
    grid = scale * np.array([[c, -s], [s, c]]) @ (np.diag([1.0, -1.0]) if flip else np.eye(2))
    target = pc.image.TargetImage(np.zeros((20, 20)), pixelscale=grid, psf=psf)
    expected = _measured_on(psf, grid)
    np.testing.assert_allclose(initialization.psf_covariance(target), expected, rtol=1e-9,
                               atol=1e-12 * np.abs(expected).max())


def test_psf_moments_on_a_sheared_grid_are_measured_there():
    """A sheared grid is not a scaled rotation: the moments are measured on the grid itself (the
    mapped ones would differ, the aperture being elliptical on the grid)."""
    psf = _elliptical_psf()
    grid = np.array([[0.1, 0.03], [0.0, 0.12]])
    target = pc.image.TargetImage(np.zeros((20, 20)), pixelscale=grid, psf=psf)
    np.testing.assert_allclose(initialization.psf_covariance(target), _measured_on(psf, grid), rtol=1e-12)


def test_psf_moments_are_measured_once_for_every_grid_of_one_psf(monkeypatch):
    """A survey places one PSF on a slightly different grid per group (a new PSFImage each): the
    moments are measured once in all, and each grid's are right."""
    psf = _elliptical_psf()
    calls = []
    measure = initialization.shape_moments

    def counted(*args, **kwargs):
        calls.append(1)
        return measure(*args, **kwargs)

    monkeypatch.setattr(initialization, "shape_moments", counted)
    for k in range(5):
        angle, scale = 0.1 * k, 0.1 * (1.0 + 1e-7 * k)
        grid = scale * np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
        target = pc.image.TargetImage(np.zeros((20, 20)), pixelscale=grid, psf=psf.on_grid_of(grid))
        found = initialization.psf_covariance(target)
        monkeypatch.setattr(initialization, "shape_moments", measure)
        np.testing.assert_allclose(found, _measured_on(psf, grid), rtol=1e-9)
        monkeypatch.setattr(initialization, "shape_moments", counted)
    assert len(calls) == 1


@pytest.mark.parametrize("kind", [None, "stable"])
@pytest.mark.parametrize("size", [0, 1, 7, 500, 3000])
def test_annuli_sort_orders_as_lexsort(size, kind):
    """_by_annulus_then_value puts the annuli and their values in np.lexsort((values, annulus))'s
    order (equal values in any order), ties included, with either sort of the values."""
    rng = np.random.default_rng(size)
    annulus = rng.integers(0, 24, size)
    values = np.round(rng.normal(size=size), 1)  # many ties
    order = initialization._by_annulus_then_value(values, annulus, kind=kind)
    reference = np.lexsort((values, annulus))
    np.testing.assert_array_equal(np.sort(order), np.arange(size))
    np.testing.assert_array_equal(annulus[order], annulus[reference])
    np.testing.assert_array_equal(values[order], values[reference])


@pytest.mark.parametrize("size", [1, 7, 500, 3000])
def test_annulus_statistics_are_numpys_medians(size):
    """annulus_statistics' counts, medians and MADs are np.median's numbers, annulus by annulus
    (pixels outside the annuli ignored, empty annuli 0)."""
    rng = np.random.default_rng(size)
    bins = 24
    index = rng.integers(-2, bins + 3, size)
    flux = np.round(rng.normal(size=size), 2)  # ties
    counts, median, mad = initialization.annulus_statistics(index, flux, bins)
    for k in range(bins):
        inside = flux[index == k]
        assert counts[k] == inside.size
        expected = (np.median(inside), np.median(np.abs(inside - np.median(inside)))) if inside.size else (0.0, 0.0)
        assert (median[k], mad[k]) == expected


def test_a_source_with_its_shape_given_starts_as_with_the_moments_measured(monkeypatch):
    """Centre, q, PA, n and Re given (a catalogue's, or linked from another image): initialize()
    measures no moments, and the brightness it finds is the one found with them measured."""
    beta, fwhm = 3.0, 4.0
    psf = moffat_psf(beta, fwhm / (2.0 * np.sqrt(2.0 ** (1.0 / beta) - 1.0)), 25, 1.0)
    truth = dict(center=[20.3, 19.6], q=0.6, PA=0.7, n=1.5, Re=2.5, Ie=1.0)
    blank = pc.image.TargetImage(np.zeros((40, 40)), psf=psf)
    image = Model(name="t", model_type="sersic galaxy model", target=blank, **truth).sample().data
    sigma = 0.05 * image.max()
    data = image + np.random.default_rng(3).normal(0.0, sigma, image.shape)
    target = pc.image.TargetImage(data, variance=np.full(image.shape, sigma**2), psf=psf)
    given = {name: truth[name] for name in ("center", "q", "PA", "n", "Re")}

    monkeypatch.setattr(GalaxyModel, "_profile_shape_given", lambda self: False)  # the long way
    long_way = Model(name="g", model_type="sersic galaxy model", target=target, **given).initialize()
    monkeypatch.undo()

    def refuse(*args, **kwargs):
        raise AssertionError("moments measured although the shape is given")

    monkeypatch.setattr("polychrome.models.galaxy_model.shape_moments", refuse)
    monkeypatch.setattr("polychrome.models.galaxy_model.psf_covariance", refuse)
    short = Model(name="g", model_type="sersic galaxy model", target=target, **given).initialize()
    assert short["Ie"].value == pytest.approx(long_way["Ie"].value, rel=1e-12, abs=1e-12)
    assert short["Ie"].value == pytest.approx(truth["Ie"], abs=0.15)


def test_offsets_shared_about_one_centre():
    """A window's offsets from a centre are made once per centre (the moments and the annuli share
    them), and the annuli's radii are elliptical_radius's of the offsets, bit for bit."""
    rng = np.random.default_rng(5)
    target = pc.image.TargetImage(rng.normal(size=(30, 34)), variance=np.ones((30, 34)), pixelscale=0.2)
    model = Model(name="g", model_type="sersic galaxy model", target=target)
    pixels = initialization.WindowPixels(model)
    center = np.array([3.1, 2.9])
    offsets = pixels.offsets(center)
    assert pixels.offsets(center.copy()) is offsets
    assert pixels.offsets([3.1, 3.0]) is not offsets
    profile = initialization.RadialProfile(pixels, pixels.values, center, 0.6, 0.4)
    radius = initialization.elliptical_radius(pixels.x - center[0], pixels.y - center[1], 0.6, 0.4)
    np.testing.assert_array_equal(profile._sorted_radius, np.sort(radius[radius <= profile.radius]))
    np.testing.assert_array_equal(pixels.offsets(center).radius(0.6, 0.4), radius)


@pytest.mark.parametrize("seed", range(4))
def test_moments_of_finite_flux_are_those_of_np_where(seed):
    """shape_moments weighs finite flux by the aperture's 0/1 (a product), other flux by np.where:
    the same moments, bit for bit (a NaN in a corner, outside every aperture, takes np.where's)."""
    rng = np.random.default_rng(seed)
    y, x = np.indices((41, 45), float)
    c, s = math.cos(0.3 * seed), math.sin(0.3 * seed)
    along, across = (x - 22.3) * c + (y - 19.8) * s, -(x - 22.3) * s + (y - 19.8) * c
    data = 5.0 * np.exp(-0.5 * ((along / 4.0) ** 2 + (across / 2.5) ** 2)) + rng.normal(size=x.shape)
    target = pc.image.TargetImage(data, variance=np.ones(data.shape), pixelscale=0.2)
    pixels = initialization.WindowPixels(Model(name="g", model_type="sersic galaxy model", target=target))
    center = np.array([4.5, 4.0])
    with_nan = pixels.values.copy()
    with_nan[0] = np.nan  # pixel (0, 0): farther from the centre than any aperture's semi-major axis
    assert initialization.shape_moments(pixels, pixels.values, center) == \
        initialization.shape_moments(pixels, with_nan, center)
    # a given q and PA: finite flux is summed in radius order (_RadialSums), to rounding
    fixed, masked = (initialization.shape_moments(pixels, flux, center, 0.6, 0.3) for flux in (pixels.values, with_nan))
    assert fixed[:2] == masked[:2] == (0.6, 0.3)
    assert fixed[2] == pytest.approx(masked[2], rel=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_radial_sums_are_the_masked_sums(seed):
    """_RadialSums (a given q and PA: the pixels sorted by radius once, cumulative sums read off at
    each aperture) gives the sums of weighing every pixel by the aperture (_masked_sums), to
    rounding, at apertures between, on and beyond the pixels' radii; and shape_moments the same
    sigma_major both ways."""
    rng = np.random.default_rng(seed)
    data = rng.normal(size=(37, 41)) + 3.0 * np.exp(-0.5 * ((np.indices((37, 41)) - [[[18.2]], [[20.7]]]) ** 2).sum(0) / 9)
    target = pc.image.TargetImage(data, variance=np.ones(data.shape), pixelscale=0.3)
    pixels = initialization.WindowPixels(Model(name="g", model_type="sersic galaxy model", target=target))
    center = np.array([6.2, 5.6]) + rng.uniform(-0.2, 0.2, 2)
    q, PA = rng.uniform(0.2, 1.0), rng.uniform(0.0, math.pi)
    offsets = pixels.offsets(center)
    sorted_sums = initialization._RadialSums(offsets, pixels.values, q, PA, 1e3).within  # all apertures in reach
    masked_sums = initialization._masked_sums(offsets, pixels.values)
    radii = np.sort(offsets.radius(q, PA))
    for semi_major in [0.0, 0.5 * radii[0], radii[3], radii[100], 0.5 * (radii[400] + radii[401]), 2.0, 4.0, 1e3]:
        total, sums = sorted_sums(q, PA, semi_major)
        expected_total, expected = masked_sums(q, PA, semi_major)
        assert total == pytest.approx(expected_total, rel=1e-12, abs=1e-12)
        assert (sums is None) == (expected is None)
        if sums is not None:
            np.testing.assert_allclose(sums, expected, rtol=1e-12, atol=1e-12 * np.abs(expected).max())
    with_nan = pixels.values.copy()
    with_nan[0] = np.nan  # outside every aperture: the masked path, the same pixels
    fixed, masked = (initialization.shape_moments(pixels, flux, center, q, PA) for flux in (pixels.values, with_nan))
    assert fixed[2] == pytest.approx(masked[2], rel=1e-12)


def test_a_member_with_its_shape_given_measures_no_annuli(monkeypatch):
    """A source whose shape is all given (linked from another image) gets its brightness from the
    curve of growth: the annuli's means are not measured (they were, unused), and the brightness
    is the truth's."""
    truth = dict(center=[4.1, 3.9], q=0.7, PA=0.4, n=2.0, Re=0.8, Ie=1.0)
    blank = pc.image.TargetImage(np.zeros((40, 40)), pixelscale=0.2)
    image = Model(name="t", model_type="sersic galaxy model", target=blank, psf_mode="none", **truth).sample().data
    data = image + np.random.default_rng(2).normal(0.0, 0.02 * image.max(), image.shape)
    target = pc.image.TargetImage(data, variance=np.full(image.shape, (0.02 * image.max()) ** 2), pixelscale=0.2)
    given = {name: truth[name] for name in ("center", "q", "PA", "n", "Re")}
    means = initialization.RadialProfile._annuli_means
    measured = []

    def counted(self):
        measured.append(1)
        return means(self)

    monkeypatch.setattr(initialization.RadialProfile, "_annuli_means", counted)
    model = Model(name="g", model_type="sersic galaxy model", target=target, psf_mode="none", **given).initialize()
    assert not measured
    assert model["Ie"].value == pytest.approx(truth["Ie"], abs=0.1)


def test_annulus_edges_and_the_index_grid_are_made_once():
    """RadialProfile's annulus edges (0, then the geometric grid) are made once per window size
    and the Sersic index grid once: read-only, the same numbers as before (np.geomspace's)."""
    from polychrome.models.sersic import INDEX_GRID

    edges = initialization._annulus_edges(0.1, 4.8, 24)
    assert edges is initialization._annulus_edges(0.1, 4.8, 24)
    np.testing.assert_array_equal(edges, np.concatenate([[0.0], np.geomspace(0.1, 4.8, 24)]))
    np.testing.assert_array_equal(INDEX_GRID, np.geomspace(0.4, 8.0, 14))
    assert not edges.flags.writeable and not INDEX_GRID.flags.writeable


def test_the_curve_of_growth_from_the_shared_radius_order():
    """RadialProfile's curve of growth reads its pixels off the radius order shared with
    shape_moments (_Offsets.radius_order): the flux within any radius is the sum of the pixels
    inside it."""
    rng = np.random.default_rng(5)
    target = pc.image.TargetImage(rng.normal(size=(30, 34)) + 2.0, variance=np.ones((30, 34)), pixelscale=0.2)
    pixels = initialization.WindowPixels(Model(name="g", model_type="sersic galaxy model", target=target))
    center = np.array([3.3, 3.1])
    initialization.shape_moments(pixels, pixels.values, center, 0.7, 1.1)  # sorts the radii first
    profile = initialization.RadialProfile(pixels, pixels.values, center, 0.7, 1.1)
    radius = initialization.elliptical_radius(pixels.x - center[0], pixels.y - center[1], 0.7, 1.1)
    flux = initialization.clipped_to_annuli(
        np.searchsorted(initialization._annulus_edges(0.1, profile.radius, 24), radius, side="right") - 1,
        pixels.values, 24)
    for r in [0.05, 0.5, 1.3, 2.2, profile.radius]:
        assert profile.flux_within(r) == pytest.approx(flux[radius <= r].sum(), rel=1e-12, abs=1e-9)


@pytest.mark.parametrize("center", [(3.3, 3.1), (3.0, 3.0)])  # the second: on a pixel centre, many ties
def test_radius_order_within_reach_is_the_start_of_argsort(center):
    """_Offsets.radius_order sorts only the pixels within reach: its order and radii are the
    first entries of np.argsort of all the radii, bit for bit, with ties among the radii (a centre
    on a pixel centre, q = 1) or without."""
    target = pc.image.TargetImage(np.zeros((30, 34)), variance=np.ones((30, 34)), pixelscale=0.2)
    pixels = initialization.WindowPixels(Model(name="g", model_type="sersic galaxy model", target=target))
    x, y = target.pixel_to_plane(15.0, 14.0)
    center = np.array(center) if center != (3.0, 3.0) else np.array([float(x), float(y)])
    for q, PA in [(0.7, 1.1), (1.0, 0.0)]:
        radius = initialization.elliptical_radius(pixels.x - center[0], pixels.y - center[1], q, PA)
        full = np.argsort(radius)
        for reach in [0.3, 2.0, initialization.measured_reach(pixels), 100.0]:
            order, ordered_radius = pixels.offsets(center).radius_order(q, PA, reach)
            count = int(np.sum(radius <= reach))
            np.testing.assert_array_equal(order, full[:count])
            np.testing.assert_array_equal(ordered_radius, radius[full[:count]])


@pytest.mark.parametrize("masked_border", [False, True])
def test_border_values_and_the_sky_error_from_the_kept_border_count(masked_border):
    """The border's pixel count is kept with the window's pixels: border_values() and sky_error()
    are those of the border band, or of every unmasked pixel when the band is all masked."""
    rng = np.random.default_rng(2)
    mask = np.zeros((30, 34), bool)
    if masked_border:
        mask[:2], mask[-2:], mask[:, :2], mask[:, -2:] = True, True, True, True
    target = pc.image.TargetImage(rng.normal(size=(30, 34)), variance=np.ones((30, 34)), mask=mask, pixelscale=0.2)
    pixels = initialization.WindowPixels(Model(name="g", model_type="sersic galaxy model", target=target))
    expected = pixels.values if masked_border else pixels.values[pixels.border]
    assert pixels.border.any() != masked_border
    np.testing.assert_array_equal(pixels.border_values(), expected)
    sigma = initialization.robust_level(expected)[1]
    assert pixels.sky_error() == 1.2533 * sigma / math.sqrt(expected.size)


def test_sersic_b_array_from_the_kept_values():
    """sersic_b_array reads b_n of each distinct index from a kept table (_sersic_b): the core's
    values, bit for bit, in the array's shape, asked again or not."""
    from polychrome import _core
    from polychrome.models.sersic import INDEX_GRID, sersic_b_array

    n = np.array([[0.5, 2.0, 0.5], [4.0, 2.0, 7.3]])
    for _ in range(2):
        expected = np.array([[_core.sersic_b(float(v))[0] for v in row] for row in n])
        np.testing.assert_array_equal(sersic_b_array(n), expected)
    np.testing.assert_array_equal(sersic_b_array(INDEX_GRID.reshape(-1, 1))[:, 0],
                                  [_core.sersic_b(float(v))[0] for v in INDEX_GRID])


@pytest.mark.parametrize("sizes", [(5,), (14, 1), (1, 21), (14, 21), (3, 1, 4), (2, 3, 4)])
def test_grid_points_are_meshgrids(sizes):
    """fit_log_profile's grid points (_grid_points, by repeat and tile) are np.meshgrid's
    (indexing "ij") flattened, bit for bit and in the same order."""
    rng = np.random.default_rng(len(sizes))
    grids = [rng.uniform(0.3, 8.0, size) for size in sizes]
    expected = [m.reshape(-1, 1) for m in np.meshgrid(*grids, indexing="ij")]
    for got, want in zip(initialization._grid_points(grids), expected, strict=True):
        assert got.shape == want.shape
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("given", [False, True])
def test_fixed_points_sharing_their_steps_are_those_taken_apart(seed, given):
    """shape_moments' two fixed points share the moment steps they take (a dict): each gives what
    it gives with its own fresh dict (every step computed), bit for bit, for a measured or given
    q and PA, on sources from small (noise-dominated apertures) to large against the window."""
    rng = np.random.default_rng(seed)
    y, x = np.indices((45, 49), float)
    c, s = math.cos(0.5 * seed), math.sin(0.5 * seed)
    along, across = (x - 24.1) * c + (y - 21.7) * s, -(x - 24.1) * s + (y - 21.7) * c
    size = [0.8, 1.5, 3.0, 6.0, 12.0, 2.0][seed]
    data = 8.0 * np.exp(-0.5 * ((along / size) ** 2 + (across / (0.6 * size)) ** 2)) + rng.normal(size=x.shape)
    target = pc.image.TargetImage(data, variance=np.ones(data.shape), pixelscale=0.2)
    pixels = initialization.WindowPixels(Model(name="g", model_type="sersic galaxy model", target=target))
    center = np.array([4.85, 4.37])
    q, PA = (0.6, 0.5 * seed) if given else (None, None)
    offsets = pixels.offsets(center)
    within = (initialization._RadialSums(offsets, pixels.values, q, PA, initialization.measured_reach(pixels)).within
              if given else initialization._masked_sums(offsets, pixels.values))
    starts = [pixels.extent, min(3.0 * pixels.pixel, pixels.extent)]
    apart = [initialization._moment_fixed_point(pixels, within, q, PA, start, {}) for start in starts]
    shared = {}
    together = [initialization._moment_fixed_point(pixels, within, q, PA, start, shared) for start in starts]
    assert together == apart
    assert shared  # steps were kept
    expected = apart[1] if apart[0][2] > 1.5 * apart[1][2] else apart[0]
    assert initialization.shape_moments(pixels, pixels.values, center, q, PA) == expected


def _scaled_orthogonal_numpy(grid):
    """The orthogonality test as it was written in numpy (the reference)."""
    with np.errstate(invalid="ignore"):
        gram = grid.T @ grid
        scale = 0.5 * float(np.trace(gram))
        deviation = float(np.max(np.abs(gram - scale * np.eye(2))))
    return scale > 0 and deviation <= initialization._ORTHOGONAL_TOLERANCE * scale


def test_scaled_orthogonal_in_floats_is_the_numpy_test():
    """_scaled_orthogonal (Python floats) decides as the numpy Gram-matrix test: rotations,
    reflections and scalings of any size pass, shears and unequal axes (even just beyond the
    tolerance) do not, nor grids with a NaN or infinite entry."""
    rng = np.random.default_rng(3)
    grids = []
    for _ in range(200):
        angle, scale = rng.uniform(0, 2 * np.pi), 10.0 ** rng.uniform(-6, 3)
        rotation = scale * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
        grids += [rotation, rotation @ np.diag([1.0, -1.0]),
                  rotation @ np.array([[1.0, 10.0 ** rng.uniform(-12, -1)], [0.0, 1.0]]),
                  rotation @ np.diag([1.0, 1.0 + 10.0 ** rng.uniform(-12, -6)])]
    grids += [np.zeros((2, 2)), np.array([[np.nan, 0.0], [0.0, 1.0]]), np.array([[np.inf, 0.0], [0.0, np.inf]]),
              np.array([[1.0, 0.0], [0.0, np.nan]])]
    decisions = [initialization._scaled_orthogonal(grid) for grid in grids]
    assert decisions == [_scaled_orthogonal_numpy(grid) for grid in grids]
    assert 200 < sum(decisions) < len(grids) - 200  # both answers occur
