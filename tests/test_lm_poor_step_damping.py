"""levenberg_marquardt raises the damping after an accepted step whose chi^2 decrease was below
a quarter of the predicted one (levenberg_marquardt._POOR_RHO): a valley whose true curvature
exceeds J^T W J's, where undamped steps overshoot and the fit crawls in a two-cycle.

Reference: chi^2 = k x^2 with normal equations that report the curvature k / 1.8 (g = -k x,
H = k / 1.8): every Gauss-Newton step lands at -0.8 x, rho = 0.36 / 1.8 = 0.2 (accepted)."""

import re

import numpy as np

from polychrome.fit.levenberg_marquardt import _L_UP_POOR, _POOR_RHO, levenberg_marquardt
from polychrome.fit.normal_equations import NormalEquations

K = 100.0


class _UnderestimatedCurvature:
    size = 1

    def chi2(self, x):
        return K * float(x[0]) ** 2, 100

    def normal_equations(self, x):
        return NormalEquations(self.chi2(x)[0], 100, np.array([-K * x[0]]), np.array([[K / 1.8]]))


def test_damping_rises_after_poorly_predicted_accepted_steps():
    lines = []
    levenberg_marquardt(_UnderestimatedCurvature(), [1.0], max_iter=6, verbose=1, print_function=lines.append)
    dampings = [float(re.search(r"L = (\S+)", line).group(1)) for line in lines]
    assert all("accept" in line for line in lines[:3])
    rho = 0.2
    assert rho < _POOR_RHO
    nielsen = 1.0 - (2.0 * rho - 1.0) ** 3
    # the first steps, while L is still small against the curvature (rho stays ~0.2)
    for before, after in zip(dampings[:2], dampings[1:3]):
        assert np.isclose(after / before, nielsen * _L_UP_POOR, rtol=0.02), dampings
