"""TotalFluxProblem computes sersic_log10_flux_offset once per distinct (n, Re, q): the links of
one shape in several bands, the start and the result share it; x(y) and T bit for bit as computed
link by link."""

import numpy as np

from polychrome.fit import total_flux_problem as tfp

# x: n, Re, q, then three bands' Ie sharing them (a 3-band source), then one more Sersic's own four
_LINKS = [(3, 0, 1, 2), (4, 0, 1, 2), (5, 0, 1, 2), (9, 6, 7, 8)]
_SIZE = 10


class _Problem:
    size = _SIZE

    def limits(self):
        return np.full(_SIZE, -np.inf), np.full(_SIZE, np.inf), np.zeros(_SIZE, bool)


def test_offsets_computed_once_per_shape_and_the_same_bits(monkeypatch):
    calls = []
    original = tfp.sersic_log10_flux_offset

    def counted(n, re, q):
        calls.append((n, re, q))
        return original(n, re, q)

    monkeypatch.setattr(tfp, "sersic_log10_flux_offset", counted)
    rng = np.random.default_rng(5)
    x0 = np.array([2.0, 1.3, 0.6, -1.0, -0.5, 0.2, 4.0, 0.3, 0.9, 1.0])
    problem = tfp.TotalFluxProblem(_Problem(), _LINKS, x0)
    assert len(calls) == 2  # (two shapes at the start)
    for _ in range(20):
        y = problem.start + rng.normal(0.0, 0.05, _SIZE)
        t_flat = np.zeros(_SIZE * _SIZE)
        before = len(calls)
        x = problem._model_floats(y.tolist(), t_flat)
        assert len(calls) - before == 2
        for ie, n, re, q in _LINKS:  # link by link, as computed without the memo
            g, dg_dn, dg_dre, dg_dq = original(y[n], y[re], y[q])
            assert x[ie] == y[ie] - g
            assert t_flat[ie * _SIZE + n] == 0.0 - dg_dn and t_flat[ie * _SIZE + q] == 0.0 - dg_dq
            assert t_flat[ie * _SIZE + re] == 0.0 - dg_dre
    before = len(calls)
    np.testing.assert_array_equal(problem.to_model_space(problem.start), problem._model_space(problem.start)[0])
    assert len(calls) == before  # (the start's shapes: met before)
