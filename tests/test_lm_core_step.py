"""The LM step's small-matrix arithmetic in the core (_core.lm_damped_step, lm_attainable_decrease,
lm_secant_update: cpp/src/lm_step.cpp, lm_secant.cpp, small_linear_solve.cpp) against the
reference rules written out here in numpy: np.linalg.solve (np.linalg.lstsq where it fails), every
held round solved in full, np.linalg.cholesky for the augmented matrix's positive definiteness.
The core's LU is its own, so the digits agree to rounding, not bit for bit: steps are compared in
the units of the parameters' curvature (each component times sqrt of its diagonal of J^T W J), in
which both solvers' errors on the badly scaled systems below are ~1e-10 at most against 50-digit
solutions (numpy's LAPACK 8e-11, the core's 1.6e-10 over 500 systems; the median 1e-15 both)."""

import numpy as np
import pytest

from polychrome import _core
from polychrome.fit.levenberg_marquardt import _Box
from random_normal_systems import random_normal_systems

# the largest difference of two steps allowed, relative to the step (see assert_close_steps)
TOLERANCE = 1e-8


def assert_close_steps(step, expected, hessian):
    """|w (step - expected)| <= TOLERANCE |w expected|, w = sqrt(diag(hessian)): the steps in
    units of the curvature (per component where ``expected`` is a held one's exact value)."""
    w = np.sqrt(np.abs(hessian.diagonal()))
    difference, size = np.linalg.norm(w * (step - expected)), np.linalg.norm(w * expected)
    assert difference <= TOLERANCE * size, (step, expected, difference / size)


def _reference_solve(matrix, rhs):
    """numpy's LU solve; least squares where the matrix is singular or the solution not finite."""
    try:
        d = np.linalg.solve(matrix, rhs)
    except np.linalg.LinAlgError:
        return np.linalg.lstsq(matrix, rhs, rcond=None)[0]
    return d if np.all(np.isfinite(d)) else np.linalg.lstsq(matrix, rhs, rcond=None)[0]


def _reference_held_step(matrix, gradient, x, lower, upper, fraction):
    """The rule: solve; hold each free component whose x + step leaves [lower, upper] at
    ``fraction`` of the way to that limit; solve the free ones again with the held ones' share on
    the right-hand side; until none crosses."""
    held = np.zeros(x.size, bool)
    step = np.zeros(x.size)
    for _ in range(x.size):
        free = ~held
        rhs = gradient[free] - matrix[np.ix_(free, held)] @ step[held]
        step[free] = _reference_solve(matrix[np.ix_(free, free)], rhs)
        reached = np.clip(x + step, lower, upper)
        crossing = free & (reached != x + step)
        if not crossing.any():
            break
        step[crossing] = fraction * (reached[crossing] - x[crossing])
        held |= crossing
        if held.all():
            break
    return step


def _positive_definite(matrix):
    """True when numpy's Cholesky factorisation of the matrix succeeds."""
    try:
        np.linalg.cholesky(matrix)
    except np.linalg.LinAlgError:
        return False
    return True


def _reference_damped_step(hessian, gradient, diag, damping, secant, augmented, x, lower, upper, span, fraction):
    matrix = hessian + damping * np.diag(diag)
    used = False
    if augmented and secant is not None and _positive_definite(matrix + secant):
        matrix, used = matrix + secant, True
    if span is not None:
        cyclic = span > 0
        lower, upper = np.where(cyclic, x - span, lower), np.where(cyclic, x + span, upper)
    step = _reference_held_step(matrix, gradient, x, lower, upper, fraction)
    curvature = float(step @ secant @ step) if secant is not None else 0.0
    return step, used, float(2.0 * gradient @ step - step @ hessian @ step), curvature


def _core_step(hessian, gradient, diag, damping, x, lower, upper, fraction, secant=None, augmented=False,
               span=None):
    return _core.lm_damped_step(hessian, gradient, diag, damping, secant, augmented, x, lower, upper, span,
                                fraction)


def test_an_unlimited_step_solves_the_damped_system():
    for rng, matrix, gradient in random_normal_systems(2000):
        n = gradient.size
        diag = matrix.diagonal() * 10.0 ** rng.uniform(-1, 1, n)
        damping = 10.0 ** rng.uniform(-9, 2)
        x, infinite = rng.normal(size=n), np.full(n, np.inf)
        step, augmented, gauss_newton, curvature = _core_step(matrix, gradient, diag, damping, x, -infinite,
                                                              infinite, 0.9)
        expected = np.linalg.solve(matrix + damping * np.diag(diag), gradient)
        assert_close_steps(step, expected, matrix)
        assert not augmented and curvature == 0.0
        assert gauss_newton == pytest.approx(2.0 * gradient @ expected - expected @ matrix @ expected, rel=TOLERANCE)


def test_held_limits_follow_the_reference_rule():
    held_some = 0
    for rng, matrix, gradient in random_normal_systems(2000, seed=5):
        n = gradient.size
        x = rng.normal(size=n)
        free_step = np.linalg.solve(matrix, gradient)
        # limits at random distances: some steps cross them, most do not
        width = np.abs(free_step) * rng.uniform(0.3, 3.0, n)
        lower = np.where(rng.random(n) < 0.3, -np.inf, x - width)
        upper = np.where(rng.random(n) < 0.3, np.inf, x + width)
        fraction = [1.0, 0.9][int(rng.integers(2))]
        step = _core_step(matrix, gradient, np.ones(n), 0.0, x, lower, upper, fraction)[0]
        expected = _reference_held_step(matrix, gradient, x, lower, upper, fraction)
        assert_close_steps(step, expected, matrix)
        held_some += not np.allclose(step, free_step, rtol=1e-6, atol=0)
        assert np.all(x + step <= upper) and np.all(x + step >= lower)
    assert 200 < held_some < 1800  # both paths were taken


def test_cyclic_parameters_are_held_within_their_span_and_the_box_within_its_limits():
    # the fraction-to-the-boundary rule applied to the core's step must change nothing: a held
    # component covers 0.9 of the way to its limit, a cyclic one 0.9 of its span
    held = 0
    for rng, matrix, gradient in random_normal_systems(1500, seed=8):
        n = gradient.size
        lower, upper = -rng.uniform(0.1, 2, n), rng.uniform(0.1, 2, n)
        cyclic = rng.random(n) < 0.3
        box = _Box(n, lower, upper, cyclic)
        x = rng.uniform(0.9 * lower, 0.9 * upper)
        gradient = gradient * 10.0 ** rng.uniform(-12, 0) / np.abs(gradient).max()
        matrix = matrix / np.abs(matrix).max()
        diag = np.ones(n)
        step = _core_step(matrix, gradient, diag, 0.0, x, box.lower, box.upper, 0.9, span=box.cyclic_span)[0]
        expected = _reference_damped_step(matrix, gradient, diag, 0.0, None, False, x, box.lower, box.upper,
                                          box.cyclic_span, 0.9)[0]
        assert_close_steps(step, expected, matrix)
        held += not np.allclose(step, np.linalg.solve(matrix, gradient), rtol=1e-6, atol=0)
        span = 0.1 * (upper - lower)  # levenberg_marquardt._CYCLIC_STEP_FRACTION of the period
        assert np.all(np.abs(step[cyclic]) <= span[cyclic] * (1 + 1e-12))
        swung = cyclic & (np.abs(np.linalg.solve(matrix, gradient)) > span)  # held where the whole step swings
        assert np.all(np.abs(step[swung]) <= 0.9 * span[swung] * (1 + 1e-12))
        assert np.all(x + step <= box.upper) and np.all(x + step >= box.lower)
    assert 300 < held < 1400  # limits reached, and not reached


def test_a_cyclic_parameter_swinging_past_its_span_is_held_and_the_rest_solved_again():
    hessian = np.array([[2.0, 0.5, 0.0], [0.5, 1.0, 0.2], [0.0, 0.2, 3.0]])
    gradient = np.array([1.0, 4.0, -0.5])
    x, infinite = np.array([0.0, 1.0, 2.0]), np.full(3, np.inf)
    span = np.array([0.0, 0.1 * np.pi, 0.0])
    step = _core_step(hessian, gradient, np.ones(3), 0.0, x, -infinite, infinite, 0.9, span=span)[0]
    assert np.linalg.solve(hessian, gradient)[1] > 0.1 * np.pi  # the whole step swings past the span
    assert step[1] == pytest.approx(0.9 * 0.1 * np.pi, rel=1e-15)
    rows = [0, 2]
    expected = np.linalg.solve(hessian[np.ix_(rows, rows)], gradient[rows] - hessian[rows, 1] * step[1])
    np.testing.assert_allclose(step[rows], expected, rtol=1e-14)


def test_a_singular_system_gets_the_least_squares_step():
    # a parameter without effect (its row and column 0) and two alike: exact zero pivots
    hessian = np.array([[4.0, 2.0, 0.0, 2.0], [2.0, 1.0, 0.0, 1.0], [0.0, 0.0, 0.0, 0.0], [2.0, 1.0, 0.0, 3.0]])
    gradient = np.array([2.0, 1.0, 0.0, 1.5])
    with pytest.raises(np.linalg.LinAlgError):
        np.linalg.solve(hessian, gradient)
    x, infinite = np.zeros(4), np.full(4, np.inf)
    step, _, gauss_newton, _ = _core_step(hessian, gradient, np.ones(4), 0.0, x, -infinite, infinite, 0.9)
    expected = np.linalg.lstsq(hessian, gradient, rcond=None)[0]
    assert np.all(np.isfinite(step))
    np.testing.assert_allclose(step, expected, rtol=0, atol=1e-14)
    assert gauss_newton == pytest.approx(2.0 * gradient @ expected - expected @ hessian @ expected, rel=1e-12)


def _singular_system(rng):
    """A system with a parameter without effect (a zero row and column) and two alike (a row and
    column repeated): LU meets exact zero pivots there, in every held round that keeps them."""
    k = int(rng.integers(1, 7))
    a = rng.normal(size=(k, k + 2))
    hessian, gradient = a @ a.T, a @ rng.normal(size=k + 2)
    index = np.append(np.arange(k), rng.integers(k))  # the last parameter repeats one
    hessian, gradient = hessian[np.ix_(index, index)], gradient[index]
    zero = int(rng.integers(k + 2))
    hessian = np.insert(np.insert(hessian, zero, 0.0, axis=0), zero, 0.0, axis=1)
    return hessian, np.insert(gradient, zero, 0.0)


def test_singular_held_rounds_match_the_reference_with_least_squares():
    rng = np.random.default_rng(4)
    held = 0
    for _ in range(500):
        hessian, gradient = _singular_system(rng)
        n = gradient.size
        with pytest.raises(np.linalg.LinAlgError):
            np.linalg.solve(hessian, gradient)
        x = rng.normal(size=n)
        whole = np.linalg.lstsq(hessian, gradient, rcond=None)[0]
        width = np.abs(whole) * rng.uniform(0.3, 3.0, n) + 1e-3
        lower = np.where(rng.random(n) < 0.5, x - width, -np.inf)
        upper = np.where(rng.random(n) < 0.5, x + width, np.inf)
        step = _core_step(hessian, gradient, np.ones(n), 0.0, x, lower, upper, 0.9)[0]
        expected = _reference_held_step(hessian, gradient, x, lower, upper, 0.9)
        assert np.all(np.isfinite(step))
        np.testing.assert_allclose(step, expected, rtol=1e-8, atol=1e-10 * np.abs(expected).max())
        held += not np.allclose(step, whole, rtol=1e-6, atol=0)
    assert 50 < held < 450  # limits reached, and not reached


def test_the_augmented_matrix_is_used_only_where_it_is_positive_definite():
    hessian, gradient = np.eye(2), np.array([3.0, 6.0])
    x, infinite = np.zeros(2), np.full(2, np.inf)
    indefinite, definite = np.diag([0.5, -2.0]), np.diag([0.5, 2.0])
    step, augmented, gauss_newton, curvature = _core_step(hessian, gradient, np.ones(2), 0.0, x, -infinite,
                                                          infinite, 0.9, secant=definite, augmented=False)
    assert not augmented and np.array_equal(step, gradient)  # not asked for
    assert curvature == 0.5 * 9.0 + 2.0 * 36.0 and gauss_newton == 2.0 * 45.0 - 45.0
    step, augmented, _, _ = _core_step(hessian, gradient, np.ones(2), 0.0, x, -infinite, infinite, 0.9,
                                       secant=indefinite, augmented=True)
    assert not augmented and np.array_equal(step, gradient)  # 1 - 2 < 0: Gauss-Newton's step
    step, augmented, _, curvature = _core_step(hessian, gradient, np.ones(2), 0.0, x, -infinite, infinite, 0.9,
                                               secant=definite, augmented=True)
    assert augmented and np.array_equal(step, [2.0, 2.0]) and curvature == 0.5 * 4 + 2.0 * 4


def test_augmented_steps_follow_the_reference_on_randomrandom_normal_systems():
    used = 0
    for rng, matrix, gradient in random_normal_systems(1000, seed=9):
        n = gradient.size
        secant = rng.normal(size=(n, n))
        secant = (secant + secant.T) * np.sqrt(np.outer(matrix.diagonal(), matrix.diagonal())) * 0.3
        x = rng.normal(size=n)
        free_step = np.linalg.solve(matrix, gradient)
        lower, upper = x - np.abs(free_step) * rng.uniform(0.3, 3.0, n), np.full(n, np.inf)
        diag, damping = matrix.diagonal().copy(), 10.0 ** rng.uniform(-4, 0)
        got = _core_step(matrix, gradient, diag, damping, x, lower, upper, 0.9, secant=secant, augmented=True)
        expected = _reference_damped_step(matrix, gradient, diag, damping, secant, True, x, lower, upper, None, 0.9)
        assert got[1] == expected[1]
        assert_close_steps(got[0], expected[0], matrix)
        assert got[2] == pytest.approx(expected[2], rel=1e-8, abs=1e-12 * abs(gradient @ expected[0]))
        assert got[3] == pytest.approx(expected[3], rel=1e-6, abs=1e-9 * abs(expected[0] @ matrix @ expected[0]))
        used += got[1]
    assert 100 < used < 900  # positive definite and not


def _reference_held_decrease(hessian, gradient, diag, damping, x, lower, upper):
    """The quadratic model's decrease for the damped step held at the limits (fraction 1)."""
    step = _reference_held_step(hessian + damping * np.diag(diag), gradient, x, lower, upper, 1.0)
    return 2.0 * gradient @ step - step @ hessian @ step


def test_attainable_decrease_is_the_held_least_damped_steps():
    # (where that decrease is < 0, the cut segment's rule: tests/test_lm_attainable_decrease.py)
    compared = 0
    for rng, matrix, gradient in random_normal_systems(1000, seed=11):
        n = gradient.size
        diag = matrix.diagonal().copy()
        x = rng.normal(size=n)
        free_step = np.linalg.solve(matrix, gradient)
        lower = np.where(rng.random(n) < 0.5, x - np.abs(free_step) * rng.uniform(0.3, 3.0, n), -np.inf)
        upper = np.where(rng.random(n) < 0.5, x + np.abs(free_step) * rng.uniform(0.3, 3.0, n), np.inf)
        got = _core.lm_attainable_decrease(matrix, gradient, diag, 1e-9, x, lower, upper)
        expected = _reference_held_decrease(matrix, gradient, diag, 1e-9, x, lower, upper)
        if expected >= 0.0:
            assert got == pytest.approx(expected, rel=1e-8, abs=1e-14 * abs(gradient @ free_step))
            compared += 1
    assert compared > 900


def _reference_secant_update(secant, updates, step, g_old, g_new, hessian_new):
    """NL2SOL's update written out (the form of augmented_model before it moved to the core)."""
    y = g_old - g_new
    ys = y @ step
    if not ys > 0.0:
        return secant
    v = y_sharp = y - hessian_new @ step
    tau = 1.0
    if updates:
        along = step @ secant @ step
        tau = min(1.0, abs(step @ y_sharp) / abs(along)) if along != 0.0 else 1.0
        v = y_sharp - tau * secant @ step
    return ((np.outer(v, y) + np.outer(y, v)) / ys - (v @ step) * np.outer(y, y) / ys ** 2
            + (tau * secant if updates else 0.0))


def test_secant_update_follows_the_rank_2_formula_and_stays_symmetric():
    rng = np.random.default_rng(5)
    for size in (1, 3, 8, 12):
        secant, reference = np.zeros((size, size)), np.zeros((size, size))
        updates = 0
        for update in range(8):
            a = rng.normal(size=(size, size))
            hessian_new = a @ a.T + np.eye(size)
            b = rng.normal(size=(size, size))
            step, g_old = rng.normal(size=size), rng.normal(size=size)
            g_new = g_old - (hessian_new + (b @ b.T + 2.0 * np.eye(size)) * 0.3 ** update) @ step
            if update == 5:
                g_new = g_old + step  # y.s < 0: skipped
            done = _core.lm_secant_update(secant, updates > 0, step, g_old, g_new, hessian_new)
            reference = _reference_secant_update(reference, updates, step, g_old, g_new, hessian_new)
            assert done == (update != 5)
            updates += done
            np.testing.assert_allclose(secant, reference, rtol=1e-9, atol=1e-12 * np.abs(reference).max())
            assert np.array_equal(secant, secant.T)
            if done:  # the secant condition (H_new + S) s = y
                np.testing.assert_allclose((hessian_new + secant) @ step, g_old - g_new, rtol=1e-9,
                                           atol=1e-9 * np.abs(g_old - g_new).max())


def test_the_core_checks_shapes():
    matrix, vector = np.eye(3), np.ones(3)
    with pytest.raises(ValueError, match="diag"):
        _core.lm_attainable_decrease(matrix, vector, np.ones(2), 1e-9, vector, vector, vector)
    with pytest.raises(ValueError, match="hessian"):
        _core_step(np.eye(2), vector, vector, 0.0, vector, vector, vector, 0.9)
    with pytest.raises(ValueError, match="cyclic_span"):
        _core_step(matrix, vector, vector, 0.0, vector, vector, vector, 0.9, span=np.ones(4))
    with pytest.raises(ValueError):
        _core.lm_secant_update(np.eye(3)[:, :2].copy(), False, vector, vector, vector, matrix)
    read_only = np.zeros((3, 3))
    read_only.flags.writeable = False
    with pytest.raises(ValueError):
        _core.lm_secant_update(read_only, False, vector, vector, np.zeros(3), matrix)


def test_arguments_of_other_types_are_converted_and_an_updated_secant_is_never_a_copy():
    rng = np.random.default_rng(2)
    a = rng.normal(size=(4, 6))
    hessian, gradient, x = a @ a.T, rng.normal(size=4), np.zeros(4)
    lower, upper = np.full(4, -0.1), np.full(4, 0.1)
    expected = _core_step(hessian, gradient, np.ones(4), 0.0, x, lower, upper, 0.9)
    for converted in [(np.asfortranarray(hessian), gradient, [1, 1, 1, 1], x.tolist(), lower.tolist(), upper),
                      (hessian.tolist(), np.repeat(gradient, 2)[::2], np.ones(4, int), x,
                       lower, upper.tolist())]:
        got = _core_step(converted[0], converted[1], converted[2], 0.0, *converted[3:], 0.9)
        assert np.array_equal(got[0], expected[0]) and got[1:] == expected[1:]
    with pytest.raises(ValueError, match="secant"):
        _core.lm_secant_update(np.asfortranarray(np.zeros((4, 4)) + np.eye(4)), False, x, gradient, gradient,
                               hessian)
    with pytest.raises(ValueError, match="secant"):
        _core.lm_secant_update(np.zeros((4, 4), np.float32), False, x, gradient, gradient, hessian)
