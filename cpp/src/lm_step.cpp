#include "polychrome/lm_step.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>
#include <vector>

#include "polychrome/dense_products.hpp"
#include "polychrome/small_linear_solve.hpp"

namespace polychrome::lm {

namespace {

// H + damping diag(diag): the damping added on the diagonal alone.
std::vector<double> damped_matrix(const QuadraticModel& model, double damping, const double* diag) {
  const std::size_t p = model.size;
  std::vector<double> matrix(model.hessian, model.hessian + p * p);
  for (std::size_t i = 0; i < p; ++i) matrix[i * p + i] += damping * diag[i];
  return matrix;
}

// The held rounds: ``step`` comes in as the whole system's solution; each component taking x past
// a limit (or to NaN, held where it is) is set to ``fraction`` of the way to it and held, and the
// free ones are solved again with the held ones' share moved to the right-hand side, until none
// crosses.
void hold_at_limits(const std::vector<double>& matrix, const double* gradient, const double* x,
                    const double* lower, const double* upper, std::size_t p, double fraction, double* step) {
  std::vector<std::size_t> free(p);
  std::iota(free.begin(), free.end(), std::size_t{0});
  std::vector<std::size_t> held;
  std::vector<std::pair<std::size_t, double>> crossing;  // (component, where it is held)
  std::vector<double> sub, rhs, solution;
  for (;;) {
    crossing.clear();
    for (const std::size_t i : free) {
      const double value = x[i] + step[i];
      if (value > upper[i]) {
        crossing.emplace_back(i, upper[i]);
      } else if (value < lower[i]) {
        crossing.emplace_back(i, lower[i]);
      } else if (std::isnan(value)) {
        crossing.emplace_back(i, value);
      }
    }
    if (crossing.empty()) return;
    for (const auto& [i, reached] : crossing) {
      step[i] = fraction * (reached - x[i]);
      held.push_back(i);
      free.erase(std::find(free.begin(), free.end(), i));
    }
    if (free.empty()) return;
    std::sort(held.begin(), held.end());
    const std::size_t m = free.size();
    sub.resize(m * m);
    rhs.resize(m);
    solution.resize(m);
    for (std::size_t a = 0; a < m; ++a) {
      const double* row = &matrix[free[a] * p];
      double coupling = 0.0;
      for (const std::size_t h : held) coupling += row[h] * step[h];
      rhs[a] = gradient[free[a]] - coupling;
      for (std::size_t b = 0; b < m; ++b) sub[a * m + b] = row[free[b]];
    }
    solve_or_least_squares(sub.data(), rhs.data(), m, solution.data());
    for (std::size_t a = 0; a < m; ++a) step[free[a]] = solution[a];
  }
}

// The largest decrease the quadratic model predicts for t * direction, 0 <= t <= 1, with
// x + t * direction within [lower, upper] (>= 0).
double line_decrease(const QuadraticModel& model, const double* direction, const double* x, const double* lower,
                     const double* upper) {
  const std::size_t p = model.size;
  double reach = 1.0;
  for (std::size_t i = 0; i < p; ++i) {
    if (x[i] + reach * direction[i] > upper[i]) {
      reach = (upper[i] - x[i]) / direction[i];
    } else if (x[i] + reach * direction[i] < lower[i]) {
      reach = (lower[i] - x[i]) / direction[i];
    }
  }
  const double slope = dot(model.gradient, direction, p);
  const double curvature = quadratic_form(model.hessian, direction, p);
  if (!(slope > 0.0) || reach <= 0.0) return 0.0;
  const double t = curvature > 0.0 ? std::min(reach, slope / curvature) : reach;
  return 2.0 * t * slope - t * t * curvature;
}

}  // namespace

double predicted_decrease(const QuadraticModel& model, const double* step) {
  return 2.0 * dot(model.gradient, step, model.size) - quadratic_form(model.hessian, step, model.size);
}

StepOutcome damped_step(const QuadraticModel& model, const double* diag, double damping, const double* secant,
                        bool augmented, const double* x, const StepLimits& limits, double fraction, double* step) {
  const std::size_t p = model.size;
  std::vector<double> matrix = damped_matrix(model, damping, diag);
  bool used_secant = false;
  if (augmented && secant != nullptr) {
    std::vector<double> sum(matrix);
    for (std::size_t k = 0; k < p * p; ++k) sum[k] += secant[k];
    if (positive_definite(sum.data(), p)) {
      matrix.swap(sum);
      used_secant = true;
    }
  }
  std::vector<double> lower(limits.lower, limits.lower + p);
  std::vector<double> upper(limits.upper, limits.upper + p);
  if (limits.cyclic_span != nullptr) {
    for (std::size_t i = 0; i < p; ++i) {
      const double span = limits.cyclic_span[i];
      if (span > 0.0) {
        lower[i] = x[i] - span;
        upper[i] = x[i] + span;
      }
    }
  }
  solve_or_least_squares(matrix.data(), model.gradient, p, step);
  hold_at_limits(matrix, model.gradient, x, lower.data(), upper.data(), p, fraction, step);
  return {used_secant, predicted_decrease(model, step), secant != nullptr ? quadratic_form(secant, step, p) : 0.0};
}

double attainable_decrease(const QuadraticModel& model, const double* diag, double damping, const double* x,
                           const double* lower, const double* upper) {
  const std::size_t p = model.size;
  const std::vector<double> matrix = damped_matrix(model, damping, diag);
  std::vector<double> whole(p);
  solve_or_least_squares(matrix.data(), model.gradient, p, whole.data());
  std::vector<double> step(whole);
  hold_at_limits(matrix, model.gradient, x, lower, upper, p, 1.0, step.data());
  const double decrease = predicted_decrease(model, step.data());
  if (decrease >= 0.0) return decrease;
  // the held rounds ended on a step predicted to raise chi^2: that says nothing about
  // convergence; the best point along the whole solution, cut at the first limit, is attainable
  return line_decrease(model, whole.data(), x, lower, upper);
}

}  // namespace polychrome::lm
