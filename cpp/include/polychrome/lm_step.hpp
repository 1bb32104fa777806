// The Levenberg-Marquardt step's small-matrix arithmetic (python/polychrome/fit/
// levenberg_marquardt.py runs the loop): the damped step kept within the limits, and the
// fitter's convergence measure, the attainable decrease.
//
// A step solves (J^T W J + L diag) d = g (g = J^T W (data - model)) with the components that
// would cross a limit taken towards it and held there while the others are solved again (a few
// rounds, each holding more): a parameter pressed against a limit (a Sersic n at 0.36) then
// neither spoils the step of the others nor counts the decrease of a step it cannot take. The
// convergence measure is the decrease of such a step with the least damping; that damping,
// scaled by the fitter's diag, leaves out a component that has faded (its diagonal of J^T W J
// far below its largest), whose full step would go to a negative amplitude.
//
// Matrices are p x p row-major; "decrease" is chi^2's, in chi^2 units (the quadratic model's
// 2 g.d - d.H.d).
#pragma once

#include <cstddef>

namespace polychrome::lm {

/// chi^2's quadratic model at the current point: H = J^T W J (p x p) and g = J^T W (data -
/// model) (p).
struct QuadraticModel {
  const double* hessian;
  const double* gradient;
  std::size_t size;
};

/// The limits a step must keep x + step within: lower, upper (p each; +-inf where none) and,
/// optionally, cyclic_span (p, or nullptr): an entry > 0 marks a cyclic parameter, whose limits
/// for this step are x -/+ that span instead (the farthest one step may move it).
struct StepLimits {
  const double* lower;
  const double* upper;
  const double* cyclic_span;
};

/// What damped_step did besides the step: whether the augmented matrix (H + damping + S) took
/// it, the Gauss-Newton model's predicted decrease 2 g.d - d.H.d, and d.S.d (0 without S),
/// which the augmented model subtracts from it.
struct StepOutcome {
  bool augmented;
  double gauss_newton_decrease;
  double secant_curvature;
};

/// 2 g.d - d.H.d for the step d (chi^2 units).
double predicted_decrease(const QuadraticModel& model, const double* step);

/// The LM step from x (p values out in step): the solution of (H + damping diag(diag) [+ S]) d = g
/// with its components held at ``fraction`` of the distance to a limit they would cross (the
/// fraction-to-the-boundary rule; 1: on the limit). secant: S (p x p, symmetric) or nullptr;
/// augmented: whether to use H + damping + S (only where that sum is positive definite).
StepOutcome damped_step(const QuadraticModel& model, const double* diag, double damping, const double* secant,
                        bool augmented, const double* x, const StepLimits& limits, double fraction, double* step);

/// The predicted decrease (>= 0 but for a gradient of 0) of the least-damped Gauss-Newton step
/// from x held at the limits (lower, upper: p each, +-inf where none): the fitter's convergence
/// measure. Where the held rounds end on a step the quadratic model says raises chi^2 (a nearly
/// singular H, whose solution runs far past several limits), the best point on the segment from
/// x along the whole solution, cut at the first limit, instead.
double attainable_decrease(const QuadraticModel& model, const double* diag, double damping, const double* x,
                           const double* lower, const double* upper);

}  // namespace polychrome::lm
