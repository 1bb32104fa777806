"""The Levenberg-Marquardt core on synthetic least-squares problems with
known truth (model-independent; the model layer feeds it normal equations)."""

import numpy as np

from polychrome.fit import NormalEquations, accumulate, levenberg_marquardt


class CurveProblem:
    """y = A exp(-(t - mu)^2 / (2 s^2)) + c with Gaussian noise of known sigma.

    Parameters x = (A, mu, s, c); analytic Jacobian."""

    size = 4

    def __init__(self, truth, sigma=0.05, seed=0, n=200, mask=None):
        self.t = np.linspace(-5, 5, n)
        rng = np.random.default_rng(seed)
        self.sigma = sigma
        self.data = self.model(truth) + rng.normal(0, sigma, n)
        self.weight = np.full(n, 1.0 / sigma**2)
        if mask is not None:
            self.weight[mask] = 0.0
        self.used = self.weight > 0

    def model(self, x):
        A, mu, s, c = x
        return A * np.exp(-0.5 * ((self.t - mu) / s) ** 2) + c

    def jacobian(self, x):
        A, mu, s, c = x
        z = (self.t - mu) / s
        e = np.exp(-0.5 * z**2)
        return np.array([e, A * e * z / s, A * e * z**2 / s, np.ones_like(self.t)])

    def chi2(self, x):
        r = (self.data - self.model(x))[self.used]
        return float(np.sum(self.weight[self.used] * r**2)), int(self.used.sum())

    def normal_equations(self, x):
        r = (self.data - self.model(x))[self.used]
        chi2, n, g, H = accumulate(r, self.weight[self.used], self.jacobian(x)[:, self.used])
        return NormalEquations(chi2, n, g, H)


TRUTH = np.array([2.0, 0.3, 1.2, 0.1])


def test_recovers_truth_from_a_rough_start():
    problem = CurveProblem(TRUTH)
    result = levenberg_marquardt(problem, [1.0, -1.0, 2.5, 0.0], lower=[0, -5, 0.01, -10],
                                 upper=[10, 5, 10, 10])
    assert result.success, result.message
    assert np.all(np.abs(result.x - TRUTH) < 5 * result.uncertainties)
    assert 0.7 < result.chi2_ndf < 1.4
    assert result.ndf == 200 - 4
    # J^T W J at the solution, independently from the analytic Jacobian; AutoProf calls it hess
    J = problem.jacobian(result.x)
    expected = (J * problem.weight) @ J.T
    scale = np.sqrt(np.outer(np.diag(expected), np.diag(expected)))
    np.testing.assert_allclose(result.hessian / scale, expected / scale, atol=1e-10)
    assert result.hess is result.hessian
    np.testing.assert_allclose(result.covariance @ result.hessian, np.eye(4), atol=1e-8)


def test_uncertainties_have_the_right_coverage():
    """Over many noise realisations, (fit - truth) / uncertainty is ~ N(0, 1)."""
    pulls = []
    for seed in range(60):
        problem = CurveProblem(TRUTH, seed=seed)
        result = levenberg_marquardt(problem, TRUTH * 1.1)
        assert result.success
        pulls.append((result.x - TRUTH) / result.uncertainties)
    pulls = np.array(pulls)
    assert np.all(np.abs(pulls.mean(0)) < 0.35)
    assert np.all((pulls.std(0) > 0.75) & (pulls.std(0) < 1.3))


def test_limits_are_never_crossed():
    problem = CurveProblem(TRUTH)
    seen = []

    class Watching(CurveProblem):  # every point evaluated, by either method
        def chi2(self, x):
            seen.append(np.array(x))
            return super().chi2(x)

        def normal_equations(self, x):
            seen.append(np.array(x))
            return super().normal_equations(x)

    watching = Watching(TRUTH)
    # the truth A = 2 lies above the upper limit 1.5: the fit must stay below it
    result = levenberg_marquardt(watching, [1.0, 0.0, 1.0, 0.0], lower=[0, -5, 0.1, -1],
                                 upper=[1.5, 5, 5, 1])
    seen = np.array(seen)
    assert np.all(seen[:, 0] <= 1.5) and np.all(seen[:, 0] > 0)
    assert np.all(np.isfinite(result.x)) and result.x[0] <= 1.5
    assert result.x[0] > 1.49  # pressed against the limit the data push it to
    del problem


def test_cyclic_parameter_wraps():
    transform_free = levenberg_marquardt(CurveProblem(TRUTH), [2.0, 0.3, 1.2, 0.1],
                                         lower=[-np.inf, -np.inf, -np.pi, -np.inf],
                                         upper=[np.inf, np.inf, np.pi, np.inf],
                                         cyclic=[False, False, True, False])
    assert -np.pi <= transform_free.x[2] < np.pi


def test_verbose_prints_one_line_per_iteration():
    lines = []
    result = levenberg_marquardt(CurveProblem(TRUTH), TRUTH * 1.2, verbose=1, print_function=lines.append)
    assert len(lines) == result.iterations
    assert all("L = " in line and "chi2/ndf" in line and ("accept" in line or "reject" in line)
               and "max|grad|" in line for line in lines)


def test_all_masked_data_gives_a_message_not_an_exception():
    problem = CurveProblem(TRUTH, mask=np.ones(200, bool))
    result = levenberg_marquardt(problem, TRUTH)
    assert result.message == "no data: every pixel is masked"
    assert np.all(np.isfinite(result.x))


class ZeroAmplitude(CurveProblem):
    """The curve with A held at 0: mu and s have no effect on the model (J^T W J singular).
    Parameters x = (mu, s, c)."""

    size = 3

    def __init__(self):
        super().__init__(np.array([0.0, 0.3, 1.2, 0.1]))

    def model(self, x):
        return super().model([0.0, x[0], x[1], x[2]])

    def jacobian(self, x):
        return super().jacobian([0.0, x[0], x[1], x[2]])[1:]


def test_singular_problem_ends_finite_with_a_clear_message():
    result = levenberg_marquardt(ZeroAmplitude(), [0.0, 1.0, 0.0])
    assert np.all(np.isfinite(result.x))
    assert "not constrained" in result.message or "stopped" in result.message


def test_non_finite_start_is_reported():
    class Broken(CurveProblem):
        def model(self, x):
            return np.full_like(self.t, np.nan)

    result = levenberg_marquardt(Broken(TRUTH), TRUTH)
    assert "not finite" in result.message


def test_normal_equations_in_the_core_match_numpy():
    rng = np.random.default_rng(5)
    n, p = 3001, 6  # not a multiple of the core's pixel block
    residual, weight, jacobian = rng.normal(size=n), rng.uniform(0.5, 2.0, n), rng.normal(size=(p, n))
    chi2, count, g, H = accumulate(residual, weight, jacobian)
    assert count == n
    assert np.isclose(chi2, np.sum(weight * residual**2), rtol=1e-12)
    assert np.allclose(g, jacobian @ (weight * residual), rtol=1e-12)
    assert np.allclose(H, (jacobian * weight) @ jacobian.T, rtol=1e-12)
    chi2_2, count_2, g_2, H_2 = accumulate(residual, weight, jacobian, into=(chi2, count, g, H))
    assert count_2 == 2 * n and np.allclose(H_2, 2 * H)


class FadingLineProblem:
    """A Gaussian line on a flat continuum, plus a second line of amplitude exp(c) where the
    data have none. Parameters x = (A, mu, s, b, c); the fit drives c towards -inf, so that the
    second line's column of the Jacobian fades to nothing while the others still converge."""

    size = 5

    def __init__(self, seed=1, sigma=0.02):
        self.t = np.linspace(-5, 5, 300)
        rng = np.random.default_rng(seed)
        self.data = self.model([2.0, -1.0, 0.6, 0.3, -np.inf]) + rng.normal(0, sigma, self.t.size)
        self.weight = np.full(self.t.size, sigma**-2)

    def _second(self, c):
        return np.exp(c) * np.exp(-0.5 * ((self.t - 2.5) / 0.3) ** 2)

    def model(self, x):
        A, mu, s, b, c = x
        return A * np.exp(-0.5 * ((self.t - mu) / s) ** 2) + b + self._second(c)

    def jacobian(self, x):
        A, mu, s, b, c = x
        z = (self.t - mu) / s
        e = np.exp(-0.5 * z**2)
        return np.array([e, A * e * z / s, A * e * z**2 / s, np.ones_like(self.t), self._second(c)])

    def chi2(self, x):
        return float(np.sum(self.weight * (self.data - self.model(x)) ** 2)), self.t.size

    def normal_equations(self, x):
        chi2, n, g, H = accumulate(self.data - self.model(x), self.weight, self.jacobian(x))
        return NormalEquations(chi2, n, g, H)


def test_a_fading_component_does_not_stop_the_others():
    """Damping scaled by the largest diag(J^T W J) seen: once the second line has faded, its
    vanishing column must not blow up the steps (with the current diagonal, steps in c of
    ~1e16 were rejected until the damping grew so large that the fit stopped short of the
    minimum, chi^2 0.3 above it)."""
    problem = FadingLineProblem()
    for start in ([0.5, 0.5, 2.0, 0.0, 1.0], [1.0, 0.0, 1.5, 0.5, 2.0]):
        result = levenberg_marquardt(problem, start, max_iter=300)
        assert result.success, result.message
        assert result.x[4] < -10  # the second line is gone
        line = CurveProblem.__new__(CurveProblem)  # the same data without the second line
        line.t, line.data, line.weight = problem.t, problem.data, problem.weight
        line.used = np.ones(problem.t.size, bool)
        best = levenberg_marquardt(line, [2.0, -1.0, 0.6, 0.3], relative_tolerance=1e-12)
        assert result.chi2 - best.chi2 < 0.03
