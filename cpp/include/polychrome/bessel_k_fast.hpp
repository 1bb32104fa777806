// K0 and K1 as bessel_k.hpp has them, branch-free for loops over points that the compiler
// vectorises (the edge-on disk's fast path): both forms computed and one selected, fast_exp /
// fast_log, ~1e-14 relative.
//
// x <= 2: bessel_k.hpp's ascending series (its coefficients).
// x > 2: e^x sqrt(x) K_n(x) as Chebyshev series in z = 2/x on (0, 1] (19 terms; fitted at 120
// Chebyshev points to mpmath's K_n at 40 digits: the truncation below 1e-14, measured against
// scipy 3e-15) instead of bessel_k.hpp's trapezoidal rule (18 square roots).
#pragma once

#include <algorithm>
#include <cmath>

#include "polychrome/bessel_k.hpp"
#include "polychrome/chebyshev_series.hpp"
#include "polychrome/fast_math.hpp"
#include "polychrome/inline.hpp"

namespace polychrome {

namespace bessel_fast_detail {

// Chebyshev coefficients of e^x sqrt(x) K0(x) and e^x sqrt(x) K1(x) in t = 2 z - 1, z = 2/x.
constexpr int kTerms = 19;
inline constexpr double kK0[kTerms] = {
    1.2201515410329784, -0.03144810131196443, 0.0015698838857301316, -0.0001284954958161987,
    1.3949813718945965e-05, -1.83175552264503e-06, 2.766813640163157e-07, -4.6604898893042784e-08,
    8.574034115170787e-09, -1.697534442389933e-09, 3.577398137841553e-10, -7.957482197858866e-11,
    1.8559577592366283e-11, -4.514513110076872e-12, 1.1404132783055483e-12, -2.9793344608977714e-13,
    8.040351797766962e-14, -2.2187356470338184e-14, 6.4068141745743974e-15};
inline constexpr double kK1[kTerms] = {
    1.3603130952422218, 0.10392373657681729, -0.0028578168596226547, 0.0001952155184714054,
    -1.9361979741539315e-05, 2.4064849479043664e-06, -3.501960602151404e-07, 5.7410841313647244e-08,
    -1.0345762400646727e-08, 2.0150498710603728e-09, -4.190353798767497e-10, 9.218326502347823e-11,
    -2.129962048549285e-11, 5.139690632083627e-12, -1.2890612055482563e-12, 3.3495310528440565e-13,
    -8.965810376690854e-14, 2.4828196541177854e-14, -6.91563274996006e-15};

// The loops below are unrolled: gcc vectorises a loop over points only when it holds no inner loop.

/// sum_k c_k y^k over bessel_k.hpp's series terms (Horner).
POLYCHROME_INLINE double horner(const double (&c)[bessel_detail::kSeriesTerms], double y) {
  double sum = c[bessel_detail::kSeriesTerms - 1];
#pragma GCC unroll 32
  for (int k = bessel_detail::kSeriesTerms - 2; k >= 0; --k) sum = sum * y + c[k];
  return sum;
}

// Where the two forms meet.
constexpr double kSeriesLimit = 2.0;

}  // namespace bessel_fast_detail

/// K0(x) and K1(x) for x >= 2 alone (the Chebyshev forms; 0 where they underflow, x > ~707).
POLYCHROME_INLINE void bessel_k0_k1_large(double x, double& k0, double& k1) {
  using namespace bessel_fast_detail;
  const double t = 4.0 / x - 1.0;
  const double scale = fast_exp(-x) / std::sqrt(x);
  k0 = scale * chebyshev_series(kK0, t);
  k1 = scale * chebyshev_series(kK1, t);
}

/// K1(x) for x >= 2 alone.
POLYCHROME_INLINE double bessel_k1_large(double x) {
  using namespace bessel_fast_detail;
  return fast_exp(-x) / std::sqrt(x) * chebyshev_series(kK1, 4.0 / x - 1.0);
}

/// K0(x) and K1(x) for x > 0 (0 where they underflow, x > ~707); vectorises.
POLYCHROME_INLINE void bessel_k0_k1_fast(double x, double& k0, double& k1) {
  using bessel_detail::kEulerGamma;
  using bessel_detail::kSeries;
  using namespace bessel_fast_detail;
  // the series on x <= 2 (its argument clamped there, so that the unused form stays finite)
  const double xs = std::min(x, kSeriesLimit);
  const double y = 0.25 * xs * xs;
  const double log_half = fast_log(0.5 * xs);
  const double series0 = -(log_half + kEulerGamma) * horner(kSeries.i0, y) + horner(kSeries.sum0, y);
  const double series1 = 1.0 / xs + log_half * 0.5 * xs * horner(kSeries.i1, y) - 0.25 * xs * horner(kSeries.sum1, y);
  // the Chebyshev forms on x > 2
  double large0, large1;
  bessel_k0_k1_large(std::max(x, kSeriesLimit), large0, large1);
  const bool small = x <= kSeriesLimit;
  k0 = small ? series0 : large0;
  k1 = small ? series1 : large1;
}

/// K1(x) alone for x > 0 (0 where it underflows); vectorises.
POLYCHROME_INLINE double bessel_k1_fast(double x) {
  using bessel_detail::kSeries;
  using namespace bessel_fast_detail;
  const double xs = std::min(x, kSeriesLimit);
  const double y = 0.25 * xs * xs;
  const double series = 1.0 / xs + fast_log(0.5 * xs) * 0.5 * xs * horner(kSeries.i1, y) - 0.25 * xs * horner(kSeries.sum1, y);
  const double large = bessel_k1_large(std::max(x, kSeriesLimit));
  return x <= kSeriesLimit ? series : large;
}

}  // namespace polychrome
