"""The fitter's per-step Python, made cheap for small systems, against the plain numpy forms it
replaces: the same digits (bit for bit), so that the fitter's decisions do not move. (The step's
small-matrix arithmetic is the core's: tests/test_lm_core_step.py.)"""

import numpy as np
import pytest

import polychrome as pc
from random_normal_systems import random_normal_systems


def test_flat_sky_renderer_matches_its_render_and_follows_F():
    target = pc.image.TargetImage(np.zeros((6, 9)), pixelscale=0.3)
    sky = pc.models.Model(name="sky", model_type="flat sky model", target=target, F=0.7)
    render = sky._renderer()
    for F in (0.7, -0.25, 3.0e4):
        sky["F"].value = F
        image, jac = render(True)
        plain_image, plain_jac = type(sky)._render(sky, True)
        assert np.array_equal(image, plain_image) and np.array_equal(jac, plain_jac)
        assert np.array_equal(image, np.full((6, 9), F * target.pixel_area))
        assert np.allclose(image, F * 0.3 ** 2, rtol=1e-14, atol=0)
        assert render(False)[1] is None
        assert np.array_equal(render(False)[0], plain_image)
    with pytest.raises(ValueError):
        jac[0, 0, 0] = 1.0  # shared between calls: read-only


def test_vector_writer_sets_what_set_values_sets():
    from polychrome.fit.vector_writer import VectorWriter
    from polychrome.param import FreeParameters

    target = pc.image.TargetImage(np.zeros((20, 20)), pixelscale=0.5)
    galaxy = pc.models.Model(name="g", model_type="sersic galaxy model", target=target,
                             center=[5.0, 5.0], q=0.6, PA=1.0, n=2.0, Re=1.5, Ie=0.5)
    sky = pc.models.Model(name="s", model_type="flat sky model", target=target, F=0.1)
    group = pc.models.Model(name="grp", model_type="group model", models=[galaxy, sky])
    free = FreeParameters(group.all_parameters())
    writer = VectorWriter(free)
    rng = np.random.default_rng(4)
    start = free.get_values()
    for _ in range(50):
        # far steps: values beyond the limits (clipped) and PA beyond its period (wrapped)
        x = start + rng.normal(size=start.size) * 5.0
        writer.write(x)
        ours = free.get_values()
        for parameter, _ in free.quantities:  # stored as arrays of the parameter's shape
            assert isinstance(parameter.quantity.value, np.ndarray) and parameter.quantity.value.dtype == float
            assert parameter.quantity.value.shape == parameter.shape
        free.set_values(x, clip_to_limits=True)
        assert np.array_equal(ours, free.get_values())
    with pytest.raises(ValueError):
        writer.write(np.full(start.size, np.nan))


def test_cyclic_entries_give_the_digits_of_np_mod():
    from polychrome.fit.cyclic_entries import CyclicEntries

    rng = np.random.default_rng(12)
    for scale in (1e-3, 1.0, 30.0, 1e6, 1e300):
        n = 9
        lower = rng.uniform(-4.0, 1.0, n)
        upper = lower + rng.uniform(0.1, 7.0, n)
        cyclic = rng.random(n) < 0.5
        entries = CyclicEntries(cyclic, lower, upper)
        for _ in range(200):
            x = rng.normal(size=n) * scale
            x[rng.integers(n)] = [0.0, -0.0, lower[0], upper[0], np.inf, np.nan][int(rng.integers(6))]
            with np.errstate(invalid="ignore"):
                expected = np.where(cyclic, lower + np.mod(x - lower, upper - lower), x)
            ours = entries.wrap_in_place(x.copy())
            assert np.array_equal(ours, expected, equal_nan=True)
            numbers = ~np.isnan(expected)  # the same zeros too (a signed zero's sign kept)
            assert np.array_equal(np.signbit(ours[numbers]), np.signbit(expected[numbers]))
            out = np.full(n, 7.0)
            entries.wrap_into(x, out)
            assert np.array_equal(out, np.where(cyclic, expected, 7.0), equal_nan=True)


def test_log_scaled_exp_gives_numpys_digits_up_to_overflow_without_a_warning():
    import warnings

    from polychrome.fit.log_scaled_problem import _exp

    rng = np.random.default_rng(2)
    values = np.concatenate([rng.uniform(-50, 50, 5000), rng.uniform(700, 720, 50), [708.99, 709.0, 709.8, 710.0,
                                                                                     np.inf, -np.inf, np.nan]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for chunk in np.array_split(values, 600):
            with np.errstate(over="ignore"):
                expected = np.exp(chunk)
            assert np.array_equal(_exp(chunk), expected, equal_nan=True)


def _reference_covariance(hessian):
    """ScaledNormalMatrix's covariance written out with np.clip, np.outer and np.diag."""
    diagonal = np.clip(np.diag(hessian), 0.0, None)
    scale = np.where(diagonal > 0.0, np.sqrt(diagonal), 1.0)
    scaled = hessian / np.outer(scale, scale)
    values, vectors = np.linalg.eigh(0.5 * (scaled + scaled.T))
    constrained = values > 1e-10 * values[-1] if values[-1] > 0 else np.zeros(values.size, bool)
    loose = np.sqrt(np.sum(vectors[:, ~constrained] ** 2, axis=1)) > 1e-4
    kept = vectors[:, constrained]
    covariance = ((kept / values[constrained]) @ kept.T) / np.outer(scale, scale)
    covariance[loose, :] = np.nan
    covariance[:, loose] = np.nan
    covariance[loose, loose] = np.inf
    return covariance, loose


def test_covariance_gives_the_digits_of_its_plain_rule():
    from polychrome.fit import covariance_from

    singular = 0
    for k, (rng, matrix, _) in enumerate(random_normal_systems(1500, seed=21)):
        n = matrix.shape[0]
        if k % 5 == 0 and n > 1:  # a parameter without effect, or two alike: unconstrained
            matrix[0, :] = matrix[:, 0] = 0.0
        if k % 7 == 0 and n > 2:
            matrix[1, :], matrix[:, 1] = matrix[2, :], matrix[:, 2]
        covariance, loose = covariance_from(matrix)
        expected, expected_loose = _reference_covariance(matrix)
        assert np.array_equal(loose, expected_loose)
        assert np.array_equal(covariance, expected, equal_nan=True)
        singular += bool(loose.any())
    assert 200 < singular < 1000  # both cases were met


def test_finite_says_whether_every_value_is_finite_small_and_large():
    from polychrome.fit.levenberg_marquardt import _finite

    rng = np.random.default_rng(6)
    for size in (1, 3, 8, 16, 17, 64, 400):
        values = rng.normal(size=size) * 1e300  # finite values whose sum may overflow
        assert _finite(values) and _finite(values.reshape(1, -1))
        for bad in (np.nan, np.inf, -np.inf):
            spoilt = values.copy()
            spoilt[int(rng.integers(size))] = bad
            assert not _finite(spoilt) and not _finite(spoilt.reshape(-1, 1))


def test_vector_writer_clips_as_numpy_does_signed_zeros_at_limits_included():
    """The writer clips in Python floats; np.minimum(np.maximum(x, lower), upper) is the rule
    (values on, beyond and within limits of 0.0 and -0.0 among them), bit for bit."""
    from polychrome.fit.vector_writer import VectorWriter
    from polychrome.param import FreeParameters

    target = pc.image.TargetImage(np.zeros((20, 20)), pixelscale=0.5)
    galaxy = pc.models.Model(name="g", model_type="sersic galaxy model", target=target,
                             center=[-5.0, -5.0], q=0.6, PA=1.0, n=2.0, Re=1.5, Ie=0.5)
    galaxy["Ie"].limits = (0.0, 2.0)  # limits of +0.0 and -0.0
    galaxy["center"].limits = (-10.0, -0.0)
    free = FreeParameters(galaxy.all_parameters())
    writer = VectorWriter(free)
    lower, upper, cyclic = writer.limits()
    rng = np.random.default_rng(21)
    for _ in range(300):
        x = free.get_values() + rng.normal(size=lower.size) * 3.0
        bounded = np.flatnonzero(~cyclic)
        k = bounded[rng.integers(bounded.size)]
        for limit in (lower[k], upper[k]):
            if np.isfinite(limit):
                x[k] = rng.choice([limit, -limit if limit == 0.0 else limit, np.nextafter(limit, 0.0)])
        writer.write(x)
        expected = np.minimum(np.maximum(x, lower), upper)
        got = free.get_values()
        assert got[~cyclic].tobytes() == expected[~cyclic].tobytes()
