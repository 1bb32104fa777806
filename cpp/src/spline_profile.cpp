#include "polychrome/profiles/spline.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace polychrome {

namespace {

// Second derivatives M of the cubic spline through (x, y) with M_0 = 0 (a
// natural start) and, at the last knot, either M_{K-1} = 0 (natural) or a
// zero slope (flat_end). Tridiagonal system over all K knots, Thomas
// algorithm; row i: sub[i] M_{i-1} + diag[i] M_i + upper[i] M_{i+1} = rhs[i].
std::vector<double> spline_second_derivatives(const std::vector<double>& x, const std::vector<double>& y,
                                              bool flat_end) {
  const std::size_t K = x.size();
  std::vector<double> sub(K, 0.0), diag(K, 1.0), upper(K, 0.0), rhs(K, 0.0);
  for (std::size_t i = 1; i + 1 < K; ++i) {
    const double h0 = x[i] - x[i - 1];
    const double h1 = x[i + 1] - x[i];
    sub[i] = h0;
    diag[i] = 2.0 * (h0 + h1);
    upper[i] = h1;
    rhs[i] = 6.0 * ((y[i + 1] - y[i]) / h1 - (y[i] - y[i - 1]) / h0);
  }
  if (flat_end) {  // slope (y_K-1 - y_K-2)/h + (M_K-2 + 2 M_K-1) h/6 = 0
    const double h = x[K - 1] - x[K - 2];
    sub[K - 1] = h;
    diag[K - 1] = 2.0 * h;
    rhs[K - 1] = -6.0 * (y[K - 1] - y[K - 2]) / h;
  }
  for (std::size_t i = 1; i < K; ++i) {
    const double w = sub[i] / diag[i - 1];
    diag[i] -= w * upper[i - 1];
    rhs[i] -= w * rhs[i - 1];
  }
  std::vector<double> M(K);
  M[K - 1] = rhs[K - 1] / diag[K - 1];
  for (std::size_t i = K - 1; i-- > 0;) M[i] = (rhs[i] - upper[i] * M[i + 1]) / diag[i];
  return M;
}

}  // namespace

SplineProfile::SplineProfile(std::vector<double> radii, std::vector<double> log10_I)
    : R_(std::move(radii)) {
  const std::size_t K = R_.size();
  if (K < 2) throw std::invalid_argument("spline profile: need at least 2 knots");
  if (K > static_cast<std::size_t>(kMaxParams))
    throw std::invalid_argument("spline profile: at most 64 knots are supported");
  if (log10_I.size() != K)
    throw std::invalid_argument("spline profile: one log10 brightness per knot radius");
  for (std::size_t k = 0; k < K; ++k) {
    if (!std::isfinite(R_[k]) || R_[k] < 0.0)
      throw std::invalid_argument("spline profile: knot radii must be finite and >= 0");
    if (!std::isfinite(log10_I[k]))
      throw std::invalid_argument("spline profile: knot brightnesses must be finite");
    if (k > 0 && !(R_[k] > R_[k - 1]))
      throw std::invalid_argument("spline profile: knot radii must be strictly increasing");
  }
  y_.resize(K);
  for (std::size_t k = 0; k < K; ++k) y_[k] = kLn10 * log10_I[k];
  // Where the natural spline rises at its last knot, the end condition
  // becomes a zero slope there, so that ln I never rises beyond it.
  M_ = spline_second_derivatives(R_, y_, false);
  const double h = R_[K - 1] - R_[K - 2];
  flat_end_ = (y_[K - 1] - y_[K - 2]) / h + M_[K - 2] * h / 6.0 > 0.0;
  if (flat_end_) M_ = spline_second_derivatives(R_, y_, true);
  falling_end_ = flat_end_ && M_[K - 1] < 0.0;
  // The spline is linear in the knot values (for a given end condition), so
  // dM/dy_k is the second derivative vector of the cardinal spline through e_k.
  dM_dy_.assign(K * K, 0.0);
  unit_.assign(K * K, 0.0);
  for (std::size_t k = 0; k < K; ++k) {
    std::vector<double> e(K, 0.0);
    e[k] = 1.0;
    unit_[k * K + k] = 1.0;
    const std::vector<double> mk = spline_second_derivatives(R_, e, flat_end_);
    for (std::size_t i = 0; i < K; ++i) dM_dy_[i * K + k] = mk[i];
  }
  log_peak_ = std::max(*std::max_element(y_.begin(), y_.end()), largest_overshoot());
  Radius zero{0.0, 0.0, 0.0, 0.0};
  LogDerivatives at_zero{};
  eval(zero, at_zero);
  log_peak_ = std::max(log_peak_, at_zero.L);
}

double SplineProfile::largest_overshoot() const {
  // On interval i, with B = (r - R_i) / h, dL/dr = (y_i+1 - y_i) / h +
  // h/6 [3 (M_i+1 - M_i) B^2 + 6 M_i B - 2 M_i - M_i+1]: L is largest at a
  // root of that quadratic in (0, 1) (or at a knot).
  double largest = -std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i + 1 < R_.size(); ++i) {
    const double h = R_[i + 1] - R_[i];
    const double a = 3.0 * (M_[i + 1] - M_[i]), b = 6.0 * M_[i];
    const double c = -2.0 * M_[i] - M_[i + 1] + 6.0 * (y_[i + 1] - y_[i]) / (h * h);
    double roots[2] = {-1.0, -1.0};
    if (a == 0.0) {
      if (b != 0.0) roots[0] = -c / b;
    } else {
      const double disc = b * b - 4.0 * a * c;
      if (disc >= 0.0) {
        roots[0] = (-b - std::sqrt(disc)) / (2.0 * a);
        roots[1] = (-b + std::sqrt(disc)) / (2.0 * a);
      }
    }
    for (const double B : roots) {
      if (!(B > 0.0 && B < 1.0)) continue;
      const double r = R_[i] + B * h;
      LogDerivatives at{};
      eval(Radius{r * r, r, r > 0.0 ? 1.0 / r : 0.0, std::log(r)}, at);
      largest = std::max(largest, at.L);
    }
  }
  return largest;
}

SplineProfile::Segment SplineProfile::locate(double r) const {
  const int K = static_cast<int>(R_.size());
  Segment seg{};
  if (r < R_[0]) {
    seg = {0, 1.0, 0.0, R_[1] - R_[0], -1, r - R_[0]};
  } else if (r >= R_[K - 1]) {
    seg = {K - 2, 0.0, 1.0, R_[K - 1] - R_[K - 2], +1, r - R_[K - 1]};
  } else {
    const int i = static_cast<int>(std::upper_bound(R_.begin(), R_.end(), r) - R_.begin()) - 1;
    const double h = R_[i + 1] - R_[i];
    const double A = (R_[i + 1] - r) / h;
    seg = {i, A, 1.0 - A, h, 0, 0.0};
  }
  return seg;
}

void SplineProfile::spline_at(const Segment& seg, const double* y, const double* m,
                              int stride_m, double* s0, double* s1, double* s2,
                              double* s3) const {
  const int i = seg.i;
  const double A = seg.A, B = seg.B, h = seg.h;
  const double yi = y[i], yj = y[i + 1];
  const double mi = m[i * stride_m], mj = m[(i + 1) * stride_m];
  const double value = A * yi + B * yj + ((A * A * A - A) * mi + (B * B * B - B) * mj) * h * h / 6.0;
  const double slope = (yj - yi) / h + (-(3.0 * A * A - 1.0) * mi + (3.0 * B * B - 1.0) * mj) * h / 6.0;
  if (seg.side == 0) {
    *s0 = value;
    *s1 = slope;
    *s2 = A * mi + B * mj;
    *s3 = (mj - mi) / h;
  } else {
    // Continuation from the end knot (value/slope evaluated there): linear;
    // beyond a flat end, the parabola of the end's curvature when that falls
    // (twice differentiable at the knot; the same rule for every basis
    // function, so that the Jacobian stays the exact derivative).
    const double curvature = (seg.side > 0 && falling_end_) ? mj : 0.0;
    *s0 = value + (slope + 0.5 * curvature * seg.dr) * seg.dr;
    *s1 = slope + curvature * seg.dr;
    *s2 = curvature;
    *s3 = 0.0;
  }
}

void SplineProfile::eval(const Radius& rad, LogDerivatives& o) const {
  const Segment seg = locate(rad.r);
  spline_at(seg, y_.data(), M_.data(), 1, &o.L, &o.L1, &o.L2, &o.L3);
  o.L4 = 0.0;  // piecewise cubic
}

void SplineProfile::eval_with_params(const Radius& rad, LogDerivatives& o, double* dL,
                                     double* dL1, double* dL2) const {
  const Segment seg = locate(rad.r);
  spline_at(seg, y_.data(), M_.data(), 1, &o.L, &o.L1, &o.L2, &o.L3);
  o.L4 = 0.0;  // piecewise cubic
  const int K = static_cast<int>(R_.size());
  for (int k = 0; k < K; ++k) {
    double b0, b1, b2, b3;
    spline_at(seg, unit_.data() + k * K, dM_dy_.data() + k, K, &b0, &b1, &b2, &b3);
    // parameters are log10 values: d ln I / d log10 I_k = ln(10) * basis
    dL[k] = kLn10 * b0;
    dL1[k] = kLn10 * b1;
    dL2[k] = kLn10 * b2;
  }
}

}  // namespace polychrome
