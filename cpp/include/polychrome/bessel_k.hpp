// The modified Bessel functions of the second kind K0 and K1, fast and to ~1e-13 relative, for the
// edge-on disk's per-sample evaluation (inlined into the kernels).
//
// x <= 2: the ascending series
//   K0(x) = -(ln(x/2) + gamma) I0(x) + sum_{k>=1} H_k y^k / (k!)^2,
//   K1(x) = 1/x + ln(x/2) I1(x) - (x/4) sum_{k>=0} (psi(k+1) + psi(k+2)) y^k / (k! (k+1)!),
// y = x^2/4, H_k the harmonic numbers; 13 terms (the last below 1e-17 of the first).
// x > 2: K_nu(x) = int_0^inf exp(-x cosh t) cosh(nu t) dt with 2 sinh(t/2) = w / sqrt(x):
//   K0(x) = e^-x / sqrt(x) int_0^inf e^{-w^2/2} / sqrt(1 + w^2/(4x)) dw,
//   K1(x) = e^-x / sqrt(x) int_0^inf e^{-w^2/2} (1 + w^2/(2x)) / sqrt(1 + w^2/(4x)) dw,
// by the trapezoidal rule with step 1/2 to w = 8.5 (the integrands are analytic in a strip
// |Im w| < 2 sqrt(x): the error is below 1e-13 relative; measured against scipy: 9e-14).
#pragma once

#include <cmath>

#include "polychrome/inline.hpp"

namespace polychrome {

/// h e^{-w_k^2/2} at w_k = k / 2, h = 1/2 (the k = 0 node with the trapezoid's half weight).
inline constexpr double kBesselTrapezoidWeights[18] = {
    0.25, 0.4412484512922977, 0.30326532985631671, 0.16232623367917486, 0.067667641618306346,
    0.021968466811703709, 0.0055544982691211532, 0.0010937455590914426, 0.00016773131395125592,
    2.0032648696475534e-5, 1.8633265860393355e-6, 1.3497892516815072e-7, 7.6149898723563142e-9,
    3.345793045646391e-10, 1.1448674228227764e-11, 3.0509683388026622e-13, 6.3320827745470879e-15,
    1.0234858565821021e-16};

namespace bessel_detail {

constexpr int kSeriesTerms = 14;  // k = 0..13
constexpr double kEulerGamma = 0.57721566490153286061;

/// The series' coefficients, by k: 1/(k!)^2, H_k/(k!)^2, 1/(k!(k+1)!), (psi(k+1)+psi(k+2))/(k!(k+1)!).
struct SeriesCoefficients {
  double i0[kSeriesTerms], sum0[kSeriesTerms], i1[kSeriesTerms], sum1[kSeriesTerms];
};

constexpr SeriesCoefficients series_coefficients() {
  SeriesCoefficients c{};
  double term0 = 1.0, term1 = 1.0, harmonic = 0.0, psi1 = -kEulerGamma, psi2 = 1.0 - kEulerGamma;
  for (int k = 0; k < kSeriesTerms; ++k) {
    if (k > 0) {
      term0 /= static_cast<double>(k) * k;
      term1 /= static_cast<double>(k) * (k + 1);
      harmonic += 1.0 / k;
      psi1 += 1.0 / k;
      psi2 += 1.0 / (k + 1);
    }
    c.i0[k] = term0;
    c.sum0[k] = term0 * harmonic;
    c.i1[k] = term1;
    c.sum1[k] = term1 * (psi1 + psi2);
  }
  return c;
}

inline constexpr SeriesCoefficients kSeries = series_coefficients();

POLYCHROME_INLINE double horner(const double (&c)[kSeriesTerms], double y) {
  double sum = c[kSeriesTerms - 1];
  for (int k = kSeriesTerms - 2; k >= 0; --k) sum = sum * y + c[k];
  return sum;
}

}  // namespace bessel_detail

/// K0(x) and K1(x) for x > 0 (0 where they underflow, x > ~700).
POLYCHROME_INLINE void bessel_k0_k1(double x, double& k0, double& k1) {
  using namespace bessel_detail;
  if (x <= 2.0) {
    const double y = 0.25 * x * x;
    const double log_half = std::log(0.5 * x);
    k0 = -(log_half + kEulerGamma) * horner(kSeries.i0, y) + horner(kSeries.sum0, y);
    k1 = 1.0 / x + log_half * 0.5 * x * horner(kSeries.i1, y) - 0.25 * x * horner(kSeries.sum1, y);
    return;
  }
  const double r = 0.25 / x;
  double s0 = 0.0, s1 = 0.0;
  for (int k = 0; k < 18; ++k) {
    const double w2 = 0.25 * k * k;
    const double a = kBesselTrapezoidWeights[k] / std::sqrt(1.0 + w2 * r);
    s0 += a;
    s1 += a * (1.0 + 2.0 * w2 * r);
  }
  const double scale = std::exp(-x) / std::sqrt(x);
  k0 = scale * s0;
  k1 = scale * s1;
}

}  // namespace polychrome
