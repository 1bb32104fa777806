// Gaussian profile: I(r) = I0 exp(-r^2 / (2 sigma^2)).
// Parameters: sigma (arcsec, along the major axis), I0 (log10 of the central
// surface brightness, flux/arcsec^2).
#pragma once

#include <cmath>

#include "polychrome/inline.hpp"
#include "polychrome/profile.hpp"

namespace polychrome {

class GaussianProfile {
 public:
  static constexpr int kNumParams = 2;
  static constexpr int kMaxParams = kNumParams;
  static constexpr bool kHasEnclosedLight = true;
  // -d ln I / d ln r never decreases outwards (see dark_tail.hpp).
  static constexpr bool kSteepeningTail = true;
  // The last parameter is log10 of an amplitude: its Jacobian column is ln 10 times the image.
  static constexpr bool kLastScalesImage = true;

  GaussianProfile(double sigma, double log10_I0)
      : inv_sigma_(1.0 / sigma), ln_I0_(kLn10 * log10_I0) {
    require_positive(sigma, "sigma");
    require_finite(log10_I0, "I0");
  }

  int num_params() const { return kNumParams; }
  /// The size parameter (arcsec), and the names of the size and brightness parameters.
  double size() const { return 1.0 / inv_sigma_; }
  static constexpr const char* kSizeName = "sigma";
  static constexpr const char* kBrightnessName = "I0";
  double log_peak() const { return ln_I0_; }

  /// Enclosed light F(R) = int_0^R I(r) r dr and dF/dp for sigma, I0.
  void enclosed(double R, double* F, double* dF) const {
    const double sigma = 1.0 / inv_sigma_;
    const double u = 0.5 * R * R * inv_sigma_ * inv_sigma_;
    const double i0 = std::exp(ln_I0_);
    *F = i0 * sigma * sigma * -std::expm1(-u);
    dF[0] = 2.0 * *F * inv_sigma_ - i0 * R * R * std::exp(-u) * inv_sigma_;
    dF[1] = kLn10 * *F;
  }

  POLYCHROME_INLINE void eval(const Radius& rad, LogDerivatives& o) const {
    const double inv_s2 = inv_sigma_ * inv_sigma_;
    o.L = ln_I0_ - 0.5 * rad.r2 * inv_s2;
    o.L1 = -rad.r * inv_s2;
    o.L2 = -inv_s2;
    o.L3 = 0.0;
    o.L4 = 0.0;
  }

  POLYCHROME_INLINE void eval_with_params(const Radius& rad, LogDerivatives& o, double* dL,
                        double* dL1, double* dL2) const {
    eval(rad, o);
    const double inv_s3 = inv_sigma_ * inv_sigma_ * inv_sigma_;
    dL[0] = rad.r2 * inv_s3;
    dL1[0] = 2.0 * rad.r * inv_s3;
    dL2[0] = 2.0 * inv_s3;
    dL[1] = kLn10;
    dL1[1] = 0.0;
    dL2[1] = 0.0;
  }

 private:
  double inv_sigma_, ln_I0_;
};

}  // namespace polychrome
