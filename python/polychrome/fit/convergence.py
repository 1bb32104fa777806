"""Steps that respect the limits, and the fitter's convergence measure.

A step solves (J^T W J + L diag) d = g with the components that would cross
a limit taken to it and held there while the others are solved again (a few
rounds, each holding more): a parameter pressed against a limit (a Sersic n
at 0.36) then neither spoils the step of the others nor counts the decrease
of a step it cannot take. The convergence measure is the decrease of such a
step with the least damping; that damping, scaled by the fitter's ``diag``,
leaves out a component that has faded (its diagonal of J^T W J far below its
largest), whose full step would go to a negative amplitude.
"""

import operator

import numpy as np


def limited_step(matrix, gradient, x, lower, upper, solve, fraction=1.0):
    """The solution d of matrix d = gradient with x + d kept within [lower, upper].

    matrix: (P, P) damped J^T W J; gradient: J^T W (data - model) (P,);
    x, lower, upper: the point and its limits (+-inf where none; the limits as arrays or lists);
    solve(matrix, rhs): the fitter's linear solver (a new float array). Components that would
    cross a limit cover ``fraction`` of the distance to it (1: end on it).
    """
    if x.size == 0:
        return np.zeros(0)
    lows, highs = _as_list(lower), _as_list(upper)
    step = solve(matrix, gradient)  # the whole system, as it is (solve gives a new float array)
    target = x + step
    if within(target, lows, highs):  # the usual case: one round
        return step
    # rounds holding the components that reach a limit (plain floats and index lists: a few
    # parameters, where numpy's per-call cost exceeds the work; the same arithmetic)
    start = x.tolist()
    free, held = list(range(x.size)), []
    while free:
        if held:
            rows, kept = np.array(free), np.array(held)
            rhs = gradient[rows] - matrix[rows[:, None], kept] @ step[kept]
            step[rows] = solve(matrix[rows[:, None], rows], rhs)
            target = x + step
        values = target.tolist()
        crossing = []
        for i in free:
            value = values[i]
            if value > highs[i]:
                crossing.append((i, highs[i]))
            elif value < lows[i]:
                crossing.append((i, lows[i]))
            elif value != value:  # NaN: held where it is (as np.clip leaves it)
                crossing.append((i, value))
        if not crossing:
            break
        for i, reached in crossing:
            step[i] = fraction * (reached - start[i])
        crossed = {i for i, _ in crossing}
        free = [i for i in free if i not in crossed]
        held = sorted(held + list(crossed))
    return step


def within(values, lower, upper):
    """True when every value (an array) lies in [lower, upper] (arrays or lists; False for a NaN:
    it is clipped, and held). Plain floats: for the fitter's few parameters numpy's per-call cost
    exceeds the work (a fitter passes its limits as lists, made once); compared through map and
    the floats' own operators, without a generator's frame per value."""
    listed = values.tolist()
    return all(map(operator.le, _as_list(lower), listed)) and all(map(operator.le, listed, _as_list(upper)))


def _as_list(values):
    """values as a list of floats (a list is taken as it is)."""
    return values if isinstance(values, list) else values.tolist()


def attainable_decrease(hessian, gradient, diag, damping, x, lower, upper, solve):
    """Predicted chi^2 decrease (chi^2 units) of the least-damped limited Gauss-Newton step
    from x (``damping``: that L, small; ``diag``: the fitter's damping scale per parameter;
    lower, upper: as for limited_step)."""
    matrix = damped(hessian, damping, diag)
    step = limited_step(matrix, gradient, x, lower, upper, solve)
    decrease = predicted_decrease(gradient, hessian, step)
    if decrease >= 0.0:
        return decrease
    # The held rounds can end on a step that the quadratic model says raises chi^2 (a nearly
    # singular J^T W J, whose solution runs far past several limits): that says nothing about
    # convergence. The best point on the segment from x along the whole solution, cut at the
    # first limit, is attainable too, and its decrease is > 0 wherever the gradient is not 0.
    return _line_decrease(gradient, hessian, solve(matrix, gradient), x, lower, upper)


def _line_decrease(gradient, hessian, direction, x, lower, upper):
    """The largest decrease the quadratic model predicts for t * direction, 0 <= t <= 1, with x + t
    * direction within [lower, upper] (>= 0)."""
    reach = 1.0
    for value, d, lo, hi in zip(x.tolist(), direction.tolist(), _as_list(lower), _as_list(upper)):
        if value + reach * d > hi:
            reach = (hi - value) / d
        elif value + reach * d < lo:
            reach = (lo - value) / d
    slope, curvature = float(gradient.dot(direction)), float(direction.dot(hessian).dot(direction))
    if not slope > 0.0 or reach <= 0.0:
        return 0.0
    t = min(reach, slope / curvature) if curvature > 0.0 else reach
    return 2.0 * t * slope - t * t * curvature


def predicted_decrease(gradient, hessian, step):
    """The chi^2 decrease the quadratic model predicts for ``step`` (a float, chi^2 units):
    2 g.d - d.H.d. (ndarray.dot: the digits of the @ form, at less per-call cost; the scalars as
    Python floats: the same IEEE arithmetic as numpy's float64 scalars, without their overhead.)"""
    return 2.0 * float(gradient.dot(step)) - float(step.dot(hessian).dot(step))


def damped(hessian, damping, diag):
    """hessian + damping * diag(diag) (a new (P, P) array): the damping added on the diagonal alone."""
    matrix = hessian.copy()
    matrix.ravel()[::hessian.shape[0] + 1] += damping * diag  # a view of the copy's diagonal
    return matrix
