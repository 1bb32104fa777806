// erfc(z) and exp(-z^2) for z >= 0, branch-free, so that loops over points vectorise (the exact
// Gaussian renderer's pixel edges), to ~1e-15 relative down to underflow.
//
// erfc(z) = exp(-z^2) t Q(t), t = 2 / (2 + z) (the scaled function erfc(z) e^(z^2) = t Q(t) is
// smooth in t on (0, 1]), Q a Chebyshev series on t in [2/29, 1] (z <= 27; erfc(27) ~ 5e-319
// underflows anyway) with 24 terms, fitted at 24 Chebyshev points to mpmath's erfc at 40 digits:
// the evaluation in double is within 9e-16 relative of mpmath over [0, 26.5] (measured at 5,600
// points). exp(-z^2) is exp(-zh^2) exp(-r) with zh = z less its low 27 mantissa bits, so that zh^2
// is exact and r = z^2 - zh^2 = zl (2 zh + zl) (< 5e-5) is small: the rounding of z^2 (~z^2 x 1e-16,
// 7e-14 at z = 26) does not enter the result.
#pragma once

#include <cstdint>
#include <cstring>

#include "polychrome/chebyshev_series.hpp"
#include "polychrome/fast_math.hpp"
#include "polychrome/inline.hpp"

namespace polychrome {

namespace erfc_fast_detail {

inline constexpr double kZMax = 27.0;
inline constexpr double kTMin = 2.0 / (2.0 + kZMax);
// Q(t) = erfc(z) e^(z^2) / t as sum_k c_k T_k(u), u = 2 (t - kTMin) / (1 - kTMin) - 1.
inline constexpr double kQ[24] = {
    0.5942061283062097, 0.34616476170134125, 0.058092047764336, 0.002537027896669038, -0.0009308713261911417,
    -9.576308211463245e-05, 2.5293307865574583e-05, 2.333690424477228e-06, -9.788420559957474e-07,
    -1.4636069205697192e-08, 3.9985126537278945e-08, -3.8427615499774256e-09, -1.2722548164963243e-09,
    3.604044246967652e-10, 4.54238638580821e-12, -1.886009190096537e-11, 3.223433455451382e-12,
    3.8426289272345793e-13, -2.5761324593013917e-13, 3.3851353544110977e-14, 7.411206195433225e-15,
    -3.764147708162303e-15, 4.581898731430709e-16, 8.581323773469826e-17};

}  // namespace erfc_fast_detail

/// exp(-z^2) for finite z, to ~1e-15 relative (0 where it is below ~1e-307, z > ~26.6).
POLYCHROME_INLINE double exp_minus_square(double z) {
  std::uint64_t bits;
  std::memcpy(&bits, &z, sizeof bits);
  bits &= 0xFFFFFFFFF8000000ULL;  // 26 significant bits: zh^2 is exact
  double zh;
  std::memcpy(&zh, &bits, sizeof zh);
  const double zl = z - zh;
  const double r = zl * (2.0 * zh + zl);
  return fast_exp(-zh * zh) * (1.0 - r * (1.0 - r * (0.5 - r * (1.0 / 6.0))));
}

/// erfc(z) for z >= 0 (dimensionless) from e = exp_minus_square(z): ~1e-15 relative while it is
/// above ~1e-307, 0 beyond.
POLYCHROME_INLINE double erfc_nonnegative(double z, double e) {
  using namespace erfc_fast_detail;
  const double t = 2.0 / (2.0 + (z < kZMax ? z : kZMax));
  const double u = (t - kTMin) * (2.0 / (1.0 - kTMin)) - 1.0;
  return e * t * chebyshev_series(kQ, u);
}

}  // namespace polychrome
