// The Airy pattern's amplitude f(x) = 2 J1(x) / x and its derivative f'(x) = -2 J2(x) / x, to
// ~1e-15 absolute (f(0) = 1), branch-free (both forms computed and one selected, fast_sincos), so
// that the Airy renderer's loops over points vectorise.
//
// x <= 8: f and h = 2 J2(x) / x^2 (f' = -x h) are even entire functions, here Chebyshev series in
// x^2 on [0, 64] (15 terms each).
// x > 8: Hankel's form J_n(x) = sqrt(2 / (pi x)) (P_n cos chi_n - Q_n sin chi_n),
// chi_n = x - (2n + 1) pi / 4, with P_n and x Q_n Chebyshev series in z = 64 / x^2 on (0, 1]
// (11 terms each); then f = 2 J1 / x and f' = 2 (J0 - f) / x.
// All series fitted at Chebyshev points to mpmath's J_n and Y_n at 40 digits (truncation below
// 4e-16, measured against mpmath: 2e-15).
#pragma once

#include <cmath>

#include "polychrome/chebyshev_series.hpp"
#include "polychrome/fast_math.hpp"
#include "polychrome/inline.hpp"

namespace polychrome {

namespace airy_detail {

inline constexpr double kF[15] = {
    0.1620896926513162, -0.2979502901353045, 0.3219985247144194, -0.1653609835336357, 0.044427279309932136,
    -0.0072938812015385605, 0.0008100675456709649, -6.511109733710887e-05, 3.971754809945154e-06,
    -1.9043969524955624e-07, 7.374267560264392e-09, -2.3560530244890856e-10, 6.319919245908624e-12,
    -1.442651447163272e-13, 2.602445939196483e-15};
inline constexpr double kH[15] = {
    0.051935008811003595, -0.10332480247495401, 0.06662623135509416, -0.02282517129634907,
    0.0046158625299807365, -0.0006115316413830513, 5.71867790191356e-05, -3.980982129841088e-06,
    2.1456884913004677e-07, -9.227319872978855e-09, 3.2419216690326253e-10, -9.485452352849532e-12,
    2.347169065921256e-13, -4.9386219391687696e-15, 2.9876012452331676e-17};
inline constexpr double kP0[11] = {
    0.9994603493475193, -0.0005365220468131439, 3.0751847875717796e-06, -5.1705945302904626e-08,
    1.6306465280379348e-09, -7.864084439897087e-11, 5.168317999416454e-12, -4.3039396608798155e-13,
    4.3324686755369305e-14, -5.001180464887728e-15, 7.330503529406334e-16};
inline constexpr double kXQ0[11] = {
    -0.12444683684269614, 0.0005470815954089245, -5.931598728855281e-06, 1.4377965797691646e-07,
    -5.817532755170166e-09, 3.376097451925108e-10, -2.5653986105971427e-11, 2.404908377424719e-12,
    -2.669120149032127e-13, 3.403435269976498e-14, -4.886629099874627e-15};
inline constexpr double kP1[11] = {
    1.0009030408600141, 0.0008989898330860069, -3.987284300411778e-06, 6.17763396432e-08,
    -1.871890678763742e-09, 8.816902692377554e-11, -5.704809089154975e-12, 4.699816735041108e-13,
    -4.679300087274423e-14, 5.49801761695335e-15, -6.590902585211287e-16};
inline constexpr double kXQ1[11] = {
    0.37422229655628275, -0.0007702178839325444, 7.310892206383512e-06, -1.676782510513471e-07,
    6.5833546837806565e-09, -3.7490907836782106e-10, 2.8121771425316855e-11, -2.6114335149032908e-12,
    2.8776271482989357e-13, -3.6466861573530484e-14, 5.225916134077654e-15};

constexpr double kSplit = 8.0;
constexpr double kSqrt2OverPi = 0.79788456080286535588;  // sqrt(2 / pi)
constexpr double kInvSqrt2 = 0.70710678118654752440;

}  // namespace airy_detail

/// The largest x airy_amplitude takes (fast_sincos's range; beyond it, airy_amplitude_far).
constexpr double kAiryFastLimit = 1e5;

/// f = 2 J1(x)/x and df/dx for 0 <= x <= kAiryFastLimit, given sin x and cos x (see below).
POLYCHROME_INLINE void airy_amplitude_with(double x, double sin_x, double cos_x, double& f, double& df) {
  using namespace airy_detail;
  // near: series in x^2 (x clamped to the range, so that the unused form stays finite)
  const double xn = x < kSplit ? x : kSplit;
  const double tn = xn * xn * (2.0 / 64.0) - 1.0;
  const double f_near = chebyshev_series(kF, tn);
  const double df_near = -xn * chebyshev_series(kH, tn);
  // far: Hankel's form
  const double xf = x > kSplit ? x : kSplit;
  const double inv_x = 1.0 / xf;
  const double tf = 128.0 * inv_x * inv_x - 1.0;
  const double p0 = chebyshev_series(kP0, tf), q0 = chebyshev_series(kXQ0, tf) * inv_x;
  const double p1 = chebyshev_series(kP1, tf), q1 = chebyshev_series(kXQ1, tf) * inv_x;
  const double amplitude = kSqrt2OverPi * std::sqrt(inv_x) * kInvSqrt2;
  // cos, sin of x - pi/4 and x - 3 pi/4, times sqrt 2
  const double c0 = cos_x + sin_x, s0 = sin_x - cos_x;
  const double c1 = s0, s1 = -c0;
  const double j0 = amplitude * (p0 * c0 - q0 * s0);
  const double j1 = amplitude * (p1 * c1 - q1 * s1);
  const double f_far = 2.0 * j1 * inv_x;
  const double df_far = 2.0 * (j0 - f_far) * inv_x;
  const bool near = x <= kSplit;
  f = near ? f_near : f_far;
  df = near ? df_near : df_far;
}

/// f = 2 J1(x)/x and df/dx = -2 J2(x)/x for 0 <= x <= kAiryFastLimit (vectorises).
POLYCHROME_INLINE void airy_amplitude(double x, double& f, double& df) {
  double sin_x, cos_x;
  fast_sincos(x, sin_x, cos_x);
  airy_amplitude_with(x, sin_x, cos_x, f, df);
}

/// The same for any x >= 0 (std::sin, std::cos: a scalar call).
inline void airy_amplitude_far(double x, double& f, double& df) {
  airy_amplitude_with(x, std::sin(x), std::cos(x), f, df);
}

}  // namespace polychrome
