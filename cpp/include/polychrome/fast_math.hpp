// Branch-free exp and log that the compiler can vectorise inside pixel loops.
//
// glibc's exp/log are scalar calls unless -ffast-math is on, and -ffast-math
// would break NaN handling elsewhere. These inline versions reach a relative
// accuracy of a few 1e-16 on the ranges the renderer uses, and compile to SIMD
// code under `#pragma omp simd`.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#include "polychrome/inline.hpp"

namespace polychrome {

namespace detail {

POLYCHROME_INLINE double bits_to_double(std::uint64_t u) {
  double d;
  std::memcpy(&d, &u, sizeof d);
  return d;
}

POLYCHROME_INLINE std::uint64_t double_to_bits(double d) {
  std::uint64_t u;
  std::memcpy(&u, &d, sizeof u);
  return u;
}

}  // namespace detail

/// e^x for finite x; results below ~1e-307 are flushed to 0 and x above
/// 709 saturates at ~8e307. NaN propagates.
POLYCHROME_INLINE double fast_exp(double x) {
  constexpr double kLog2e = 1.4426950408889634074;
  constexpr double kLn2Hi = 6.93147180369123816490e-01;
  constexpr double kLn2Lo = 1.90821492927058770002e-10;
  // 1.5 * 2^52: adding it rounds to an integer held in the low mantissa bits.
  constexpr double kShifter = 6755399441055744.0;
  const bool underflow = x < -707.0;
  double xc = x > 709.0 ? 709.0 : x;
  xc = underflow ? -707.0 : xc;
  const double t = xc * kLog2e + kShifter;
  const double k = t - kShifter;
  const double r = (xc - k * kLn2Hi) - k * kLn2Lo;  // |r| <= ln2/2
  // e^r on |r| <= ln2/2 by a degree-11 polynomial fitted at Chebyshev nodes,
  // mpmath.chebyfit(mpmath.exp, [-ln2/2, ln2/2], 12) at 40 digits (relative
  // error 2e-17 before rounding, 3.3e-16 measured in double; the Taylor
  // series needs degree 13).
  // Estrin's scheme: a shallow tree of independent products instead of one
  // 11-step chain (without FMA each step costs a multiply and an add in turn).
  const double r2 = r * r, r4 = r2 * r2;
  const double p01 = 1.0 + r, p23 = 0.50000000000000189 + r * 0.1666666666666668;
  const double p45 = 0.041666666666488099 + r * 0.0083333333333196011;
  const double p67 = 0.0013888888952314775 + r * 0.00019841269890047113;
  const double p89 = 2.4801485482328494e-05 + r * 2.755724091857897e-06;
  const double p1011 = 2.7632639639041029e-07 + r * 2.5110037605963777e-08;
  const double p03 = p01 + r2 * p23, p47 = p45 + r2 * p67, p811 = p89 + r2 * p1011;
  const double p = p03 + r4 * (p47 + r4 * p811);
  // 2^k assembled from the integer in the low bits of t.
  const std::uint64_t ki = detail::double_to_bits(t) - detail::double_to_bits(kShifter);
  const double scale = detail::bits_to_double((ki + 1023u) << 52);
  const double result = p * scale;
  return underflow ? 0.0 : result;
}

/// Natural logarithm for positive normal x; returns about -708.4 for x = 0
/// (no -inf), which callers treat as "effectively zero".
POLYCHROME_INLINE double fast_log(double x) {
  constexpr double kLn2 = 0.69314718055994530942;
  constexpr double kTwo52 = 4503599627370496.0;
  // x = 2^e m with m in [1/sqrt2, sqrt2), found with integer arithmetic only
  // (no compare and select): subtracting the bits of 1/sqrt2 makes the
  // exponent field count whole octaves from 1/sqrt2 (offset by 1023 so
  // that it stays non-negative), and removing those octaves from x leaves m.
  constexpr std::uint64_t kInvSqrt2Bits = 0x3fe6a09e667f3bcdull;
  constexpr std::uint64_t kBias = 1023ull << 52;
  const std::uint64_t bits = detail::double_to_bits(x);
  const std::uint64_t octaves = (bits - kInvSqrt2Bits + kBias) >> 52;  // e + 1023
  const double m = detail::bits_to_double(bits - (octaves << 52) + kBias);
  const double e = detail::bits_to_double(octaves | detail::double_to_bits(kTwo52)) - (kTwo52 + 1023.0);
  // log m = 2 atanh(z), z = (m-1)/(m+1), |z| <= 0.1716
  const double z = (m - 1.0) / (m + 1.0);
  const double z2 = z * z;
  // atanh(z) / z as a degree-7 polynomial in z2 on [0, (3 - 2 sqrt 2)^2],
  // fitted at Chebyshev nodes the same way (relative error 3e-18; the Taylor
  // series needs degree 11), in Estrin's form as above.
  const double z4 = z2 * z2;
  const double s01 = 1.0 + z2 * 0.33333333333333826;
  const double s23 = 0.19999999999651169 + z2 * 0.14285714380320841;
  const double s45 = 0.11111098528363024 + z2 * 0.090918158401146643;
  const double s67 = 0.076562640741820953 + z2 * 0.07404855180327638;
  const double s = (s01 + z4 * s23) + (z4 * z4) * (s45 + z4 * s67);
  return e * kLn2 + 2.0 * z * s;
}

/// sin x and cos x together for |x| <= 1e5 (the callers' angles are a few turns at most): x
/// reduced by multiples of pi/2 in three parts (exact products for |k| < 2^20), then the Taylor
/// series of sin and cos on |r| <= pi/4 (degrees 15 and 16, relative error below 1e-16).
/// Branch-free; vectorises like fast_exp.
POLYCHROME_INLINE void fast_sincos(double x, double& sin_x, double& cos_x) {
  constexpr double kTwoOverPi = 0.63661977236758134308;
  constexpr double kPio2Part1 = 1.57079632673412561417e+00;  // first 33 bits of pi/2
  constexpr double kPio2Part2 = 6.07710050630396597660e-11;  // next 33 bits
  constexpr double kPio2Part3 = 2.02226624879595063154e-21;  // the rest
  constexpr double kShifter = 6755399441055744.0;
  const double t = x * kTwoOverPi + kShifter;
  const double k = t - kShifter;
  const double r = ((x - k * kPio2Part1) - k * kPio2Part2) - k * kPio2Part3;
  const double r2 = r * r;
  // sin r = r (1 - r2/3! + ...), cos r = 1 - r2/2! + ... (Horner; terms to r^15 and r^16)
  const double s = r * (1.0 + r2 * (-1.0 / 6 + r2 * (1.0 / 120 + r2 * (-1.0 / 5040 + r2 * (1.0 / 362880 +
                   r2 * (-1.0 / 39916800 + r2 * (1.0 / 6227020800.0 + r2 * (-1.0 / 1307674368000.0))))))));
  const double c = 1.0 + r2 * (-0.5 + r2 * (1.0 / 24 + r2 * (-1.0 / 720 + r2 * (1.0 / 40320 + r2 * (-1.0 / 3628800 +
                   r2 * (1.0 / 479001600.0 + r2 * (-1.0 / 87178291200.0 + r2 * (1.0 / 20922789888000.0))))))));
  const std::uint64_t quadrant = (detail::double_to_bits(t) - detail::double_to_bits(kShifter)) & 3u;
  const bool swap = (quadrant & 1u) != 0;
  const double sin_r = swap ? c : s, cos_r = swap ? s : c;
  sin_x = (quadrant & 2u) != 0 ? -sin_r : sin_r;
  cos_x = ((quadrant + 1u) & 2u) != 0 ? -cos_r : cos_r;
}

/// atan2(y, x) in [-pi, pi] (rad; 0 at x = y = 0): the ratio a = min/max of |x|, |y| in [0, 1]
/// halved twice in angle (tan(t/2) = tan t / (1 + sqrt(1 + tan^2 t)): a <= tan(pi/16) ~ 0.199),
/// then the Taylor series of atan to degree 23 (relative error below 1e-17), then the octant.
/// Branch-free; vectorises like fast_exp.
POLYCHROME_INLINE double fast_atan2(double y, double x) {
  constexpr double kPi = 3.14159265358979323846;
  const double ax = std::fabs(x), ay = std::fabs(y);
  const double big = ax > ay ? ax : ay, small = ax > ay ? ay : ax;
  const double a = big > 0.0 ? small / big : 0.0;
  const double a1 = a / (1.0 + std::sqrt(1.0 + a * a));
  const double t = a1 / (1.0 + std::sqrt(1.0 + a1 * a1));
  const double z = t * t;
  // atan t = t (1 - z/3 + z^2/5 - ...), terms to z^11 (Horner)
  const double p = 1.0 + z * (-1.0 / 3 + z * (1.0 / 5 + z * (-1.0 / 7 + z * (1.0 / 9 + z * (-1.0 / 11 + z * (1.0 / 13 +
                   z * (-1.0 / 15 + z * (1.0 / 17 + z * (-1.0 / 19 + z * (1.0 / 21 + z * (-1.0 / 23)))))))))));
  double r = 4.0 * t * p;  // atan(small / big), in [0, pi/4]
  r = ay > ax ? 0.5 * kPi - r : r;
  r = x < 0.0 ? kPi - r : r;
  return y < 0.0 ? -r : r;
}

}  // namespace polychrome
