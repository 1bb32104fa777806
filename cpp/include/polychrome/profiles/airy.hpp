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

#include "polychrome/airy_function.hpp"
#include "polychrome/inline.hpp"
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

  /// k = 2 pi aRL (1/arcsec): x = k r.
  double wavenumber() const { return 2.0 * kPi * aRL_; }

  /// I and its derivatives at radius r (arcsec); vectorises for k r <= kAiryFastLimit.
  POLYCHROME_INLINE AiryValue eval(double r) const {
    const double k = wavenumber();
    double f, g;  // f = 2 J1(x)/x, g = df/dx = -2 J2(x)/x
    airy_amplitude(k * r, f, g);
    return value_from(r, f, g);
  }

  /// The same for any r (a scalar call beyond kAiryFastLimit).
  AiryValue eval_far(double r) const {
    double f, g;
    airy_amplitude_far(wavenumber() * r, f, g);
    return value_from(r, f, g);
  }

  /// I and its derivatives from f = 2 J1(x)/x and g = df/dx at radius r (arcsec).
  POLYCHROME_INLINE AiryValue value_from(double r, double f, double g) const {
    const double dI_dx = 2.0 * i0_ * f * g;
    AiryValue v;
    v.I = i0_ * f * f;
    v.dI_dr = dI_dx * wavenumber();
    v.dI_daRL = dI_dx * 2.0 * kPi * r;
    v.dI_dI0 = kLn10 * v.I;
    return v;
  }

 private:
  double aRL_, i0_;
};

}  // namespace polychrome
