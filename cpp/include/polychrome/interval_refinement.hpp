// A-posteriori adaptive integration of a vector-valued function of one variable over a set of
// intervals: the 15-point Gauss-Kronrod rule on each interval, its error estimated by the
// difference from the embedded 7-point Gauss rule (of the first component, the one the budget is
// on); the interval of largest error is bisected until the errors sum below the budget or the
// interval count reaches its cap (a bound on the work: the caller splits the intervals at the
// integrand's narrow features beforehand, so that the cap is not reached in practice).
// Compiled once per CPU level (kernel_namespace.hpp).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <vector>

#include "polychrome/kernel_namespace.hpp"

namespace polychrome {
namespace POLYCHROME_KERNEL_NAMESPACE {

/// One interval [a, b] with its Kronrod sums and the error estimate of sums[0]; tag: the caller's
/// label of the integrand's piece the interval lies on (passed back to the integrand).
template <int N>
struct QuadratureInterval {
  double a, b, error;
  std::array<double, N> sums;
  int tag;
};

/// The Gauss-Kronrod 15-point rule (abscissae on [-1, 1] with weights; the 7-point Gauss rule uses
/// the odd-indexed abscissae). Standard tabulated values (Kronrod 1965; QUADPACK).
struct GaussKronrod15 {
  static constexpr double x[8] = {0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
                                  0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
                                  0.586087235467691130294144838258730, 0.405845151377397166906606412076961,
                                  0.207784955007898467600689403773245, 0.0};
  static constexpr double kronrod[8] = {0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
                                        0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
                                        0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
                                        0.204432940075298892414161999234649, 0.209482141084727828012999174891714};
  // weights of x[1], x[3], x[5], x[7]
  static constexpr double gauss[4] = {0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
                                      0.381830050505118944950369775488975, 0.417959183673469387755102040816327};
};

/// The rule on [a, b] of f(tag, x, out[N]) (out filled, not accumulated).
template <int N, class F>
QuadratureInterval<N> gauss_kronrod_interval(double a, double b, int tag, const F& f) {
  using R = GaussKronrod15;
  const double centre = 0.5 * (a + b), half = 0.5 * (b - a);
  QuadratureInterval<N> result{a, b, 0.0, {}, tag};
  result.sums.fill(0.0);
  double gauss0 = 0.0;
  std::array<double, N> value{};
  for (int k = 0; k < 8; ++k) {
    const int sides = k == 7 ? 1 : 2;
    for (int side = 0; side < sides; ++side) {
      f(tag, side == 0 ? centre + half * R::x[k] : centre - half * R::x[k], value.data());
      for (int c = 0; c < N; ++c) result.sums[c] += R::kronrod[k] * value[c];
      if (k % 2 == 1) gauss0 += R::gauss[k / 2] * value[0];
    }
  }
  for (int c = 0; c < N; ++c) result.sums[c] *= half;
  result.error = std::abs(result.sums[0] - half * gauss0);
  return result;
}

/// Refine intervals (all of [a, b] pieces, already evaluated) worst first until the error
/// estimates sum below budget(total of sums[0]) or there are max_intervals; returns the sums.
template <int N, class F, class Budget>
std::array<double, N> refine_intervals(std::vector<QuadratureInterval<N>>& intervals, const F& f,
                                       const Budget& budget, std::size_t max_intervals) {
  for (;;) {
    double total = 0.0, error = 0.0;
    std::size_t worst = 0;
    for (std::size_t k = 0; k < intervals.size(); ++k) {
      total += intervals[k].sums[0];
      error += intervals[k].error;
      if (intervals[k].error > intervals[worst].error) worst = k;
    }
    if (intervals.empty() || error <= budget(total) || intervals.size() >= max_intervals ||
        !std::isfinite(error))
      break;
    const QuadratureInterval<N> split = intervals[worst];
    const double middle = 0.5 * (split.a + split.b);
    if (!(middle > split.a && middle < split.b)) break;  // at the resolution of doubles
    intervals[worst] = gauss_kronrod_interval<N>(split.a, middle, split.tag, f);
    intervals.push_back(gauss_kronrod_interval<N>(middle, split.b, split.tag, f));
  }
  std::array<double, N> sums{};
  sums.fill(0.0);
  for (const auto& interval : intervals)
    for (int c = 0; c < N; ++c) sums[c] += interval.sums[c];
  return sums;
}

}  // namespace POLYCHROME_KERNEL_NAMESPACE
}  // namespace polychrome
