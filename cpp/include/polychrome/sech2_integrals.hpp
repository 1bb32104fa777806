// Integrals of the isothermal sech^2(y / hs) vertical profile across a chord [y_lo, y_hi], in the
// dimensionless t = y / hs: the brackets [F]_{t_lo}^{t_hi} of the antiderivatives the edge-on
// disk's renderer needs, computed without cancellation (relative accuracy ~1e-15) however thin
// (t up to ~1e15) or thick (t down to ~1e-15) the disk is next to the chord:
//   tanh      (int sech^2 t dt)              value
//   sech^2    (int d/dt sech^2 t dt)         d/dy' (the centre and PA columns)
//   kappa(t) = t tanh t - ln cosh t          (int t sech^2 t dt: the y'-moment, the PA column)
//   lambda(t) = tanh t - t sech^2 t          (d/dhs of hs tanh(y / hs): the hs column)
// Same-sign chords (both ends on one side of the mid-plane, where the differences of values near
// 1 would cancel) use e = exp(-2|t|) forms; chords across the mid-plane add magnitudes.
#pragma once

#include <algorithm>
#include <cmath>

#include "polychrome/inline.hpp"

namespace polychrome {

/// The brackets over one chord (see the file comment).
struct Sech2Brackets {
  double tanh_diff;    // tanh t_hi - tanh t_lo
  double sech2_diff;   // sech^2 t_hi - sech^2 t_lo
  double kappa_diff;   // kappa(t_hi) - kappa(t_lo)
  double lambda_diff;  // lambda(t_hi) - lambda(t_lo)
};

namespace sech2_detail {

// Beyond this |t| the forms in e = exp(-2|t|) are used for differences (e below 1e-17 there
// only matters in relative terms, which these forms keep).
constexpr double kLarge = 1.0;
// Below this |t|, lambda(t) by its Taylor series (the direct difference loses 1e-16 / t^2).
constexpr double kSeries = 0.01;

POLYCHROME_INLINE double sech2(double t) {
  const double e = std::exp(-2.0 * std::abs(t));
  return 4.0 * e / ((1.0 + e) * (1.0 + e));
}

// kappa(t) for t >= 0 (even); for t > kLarge as ln 2 - chi(t), chi(t) = t psi + log1p(e),
// psi = 2e / (1 + e) = 1 - tanh t.
POLYCHROME_INLINE double chi(double t) {
  const double e = std::exp(-2.0 * t);
  return t * 2.0 * e / (1.0 + e) + std::log1p(e);
}
POLYCHROME_INLINE double kappa(double t) {
  t = std::abs(t);
  if (t > kLarge) return 0.69314718055994530942 - chi(t);
  const double sh = std::sinh(0.5 * t);
  return t * std::tanh(t) - std::log1p(2.0 * sh * sh);  // ln cosh t = log1p(2 sinh^2(t/2))
}

// lambda(t) for t >= 0 (odd); for t > kLarge as 1 - phi(t), phi = 2e/(1+e) + 4te/(1+e)^2.
POLYCHROME_INLINE double phi(double t) {
  const double e = std::exp(-2.0 * t);
  return 2.0 * e / (1.0 + e) + 4.0 * t * e / ((1.0 + e) * (1.0 + e));
}
POLYCHROME_INLINE double lambda_positive(double t) {
  if (t < kSeries) {  // 2/3 t^3 - 8/15 t^5 + 34/105 t^7 - 496/2835 t^9
    const double t2 = t * t;
    return t * t2 * (2.0 / 3.0 + t2 * (-8.0 / 15.0 + t2 * (34.0 / 105.0 + t2 * (-496.0 / 2835.0))));
  }
  if (t > kLarge) return 1.0 - phi(t);
  return std::tanh(t) - t * sech2(t);
}
POLYCHROME_INLINE double lambda(double t) { return t < 0.0 ? -lambda_positive(-t) : lambda_positive(t); }

}  // namespace sech2_detail

/// The tanh bracket alone (the value's; as sech2_brackets gives it, to the bit).
POLYCHROME_INLINE double tanh_bracket(double t_lo, double t_hi, double delta) {
  if (t_lo >= 0.0 || t_hi <= 0.0) {
    const bool below = t_hi <= 0.0 && t_lo < 0.0;
    const double m = below ? -t_hi : t_lo, p = below ? -t_lo : t_hi;
    const double em = std::exp(-2.0 * m), ep = std::exp(-2.0 * p);
    return -2.0 * em * std::expm1(-2.0 * delta) / ((1.0 + ep) * (1.0 + em));
  }
  return std::tanh(t_hi) - std::tanh(t_lo);
}

/// The brackets over the chord from t_lo to t_hi; delta = t_hi - t_lo >= 0 and sum = t_hi + t_lo
/// computed by the caller from the chord's ends directly (not from the rounded t's).
POLYCHROME_INLINE Sech2Brackets sech2_brackets(double t_lo, double t_hi, double delta, double sum) {
  using namespace sech2_detail;
  Sech2Brackets b{};
  if (t_lo >= 0.0 || t_hi <= 0.0) {
    // One side of the mid-plane: reflect to 0 <= m <= p = m + delta. tanh and lambda are odd
    // (their brackets keep their sign), sech^2 and kappa even (theirs change sign for t <= 0).
    const bool below = t_hi <= 0.0 && t_lo < 0.0;
    const double m = below ? -t_hi : t_lo;
    const double p = below ? -t_lo : t_hi;
    const double parity = below ? -1.0 : 1.0;
    const double em = std::exp(-2.0 * m), ep = std::exp(-2.0 * p);
    const double ep_minus_em = em * std::expm1(-2.0 * delta);  // e_p - e_m, without cancellation
    b.tanh_diff = tanh_bracket(t_lo, t_hi, delta);
    const double one_minus_product = -std::expm1(-2.0 * (p + m));
    b.sech2_diff = parity * 4.0 * ep_minus_em * one_minus_product / ((1.0 + ep) * (1.0 + ep) * (1.0 + em) * (1.0 + em));
    if (m > kLarge) {
      b.kappa_diff = parity * (chi(m) - chi(p));
      b.lambda_diff = phi(m) - phi(p);
    } else {
      b.kappa_diff = parity * (kappa(p) - kappa(m));
      b.lambda_diff = lambda_positive(p) - lambda_positive(m);
    }
    return b;
  }
  // Across the mid-plane (t_lo < 0 < t_hi): the odd brackets add magnitudes.
  b.tanh_diff = tanh_bracket(t_lo, t_hi, delta);
  b.lambda_diff = lambda(t_hi) - lambda(t_lo);
  b.kappa_diff = kappa(t_hi) - kappa(t_lo);
  if (std::max(t_hi, -t_lo) < 20.0) {
    // sech^2 a - sech^2 b = sinh(b - a) sinh(b + a) / (cosh^2 a cosh^2 b): exact for a thick disk
    const double ca = std::cosh(t_hi), cb = std::cosh(t_lo);
    b.sech2_diff = -std::sinh(delta) * std::sinh(sum) / (ca * ca * cb * cb);
  } else {
    b.sech2_diff = sech2(t_hi) - sech2(t_lo);
  }
  return b;
}

}  // namespace polychrome
