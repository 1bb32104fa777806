// Airy pattern: the diffraction image of a point through a circular aperture,
// I(r) = I0 [2 J1(x) / x]^2 with x = 2 pi aRL r (AutoProf/AstroPhot's form).
// Parameters: aRL = a / (R lambda), 1/arcsec (aperture radius over focal
// distance times wavelength: the first dark ring lies at r = 0.6098 / aRL
// arcsec, i.e. 1.22 lambda/D), I0 = log10 of the central surface brightness
// (flux/arcsec^2).
//
// Unlike the galaxy profiles this one is given by its value, not its
// logarithm: the rings' zeros make ln I singular, so the Airy pattern has its
// own pixel integrator (airy_render.hpp) rather than the log-derivative
// engine. Its spectrum is band-limited (the aperture's autocorrelation:
// spatial frequencies up to 2 aRL cycles/arcsec), which that integrator uses
// to choose its quadrature.
#pragma once

#include <cmath>

#include "polychrome/profile.hpp"

namespace polychrome {

/// I(r) and its derivatives with respect to r, aRL and I0 (log10), at one radius.
struct AiryValue {
  double I;        ///< flux/arcsec^2
  double dI_dr;    ///< per arcsec
  double dI_daRL;  ///< per (1/arcsec)
  double dI_dI0;   ///< per dex: ln 10 * I
};

class AiryProfile {
 public:
  static constexpr double kPi = 3.14159265358979323846;

  AiryProfile(double aRL, double log10_I0) : aRL_(aRL), i0_(std::pow(10.0, log10_I0)) {
    require_positive(aRL, "aRL");
    require_finite(log10_I0, "I0");
  }

  double aRL() const { return aRL_; }
  double peak() const { return i0_; }
  /// Highest spatial frequency of I (cycles/arcsec): 2 aRL.
  double band_limit() const { return 2.0 * aRL_; }

  AiryValue eval(double r) const {
    const double k = 2.0 * kPi * aRL_;
    const double x = k * r;
    double f, g;  // f = 2 J1(x)/x, g = df/dx = -2 J2(x)/x
    if (x < 1e-3) {  // series: the next terms are below 1e-18
      const double x2 = x * x;
      f = 1.0 - x2 / 8.0 + x2 * x2 / 192.0;
      g = x * (-0.25 + x2 / 48.0);
    } else {
      const double j0 = std::cyl_bessel_j(0.0, x);
      const double j1 = std::cyl_bessel_j(1.0, x);
      f = 2.0 * j1 / x;
      const double j2 = f - j0;  // J2 = 2 J1/x - J0
      g = -2.0 * j2 / x;
    }
    const double dI_dx = 2.0 * i0_ * f * g;
    AiryValue v;
    v.I = i0_ * f * f;
    v.dI_dr = dI_dx * k;
    v.dI_daRL = dI_dx * 2.0 * kPi * r;
    v.dI_dI0 = kLn10 * v.I;
    return v;
  }

 private:
  double aRL_, i0_;
};

}  // namespace polychrome
