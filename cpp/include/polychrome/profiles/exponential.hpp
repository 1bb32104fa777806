// Exponential disk: the Sersic profile with n = 1, I(r) = Ie exp(-b_1 (r/Re - 1)).
// Parameters: Re (half-light semi-major radius, arcsec), Ie (log10 of the
// surface brightness at Re, flux/arcsec^2).
#pragma once

#include <cmath>

#include "polychrome/inline.hpp"
#include "polychrome/profile.hpp"
#include "polychrome/special_functions.hpp"

namespace polychrome {

class ExponentialProfile {
 public:
  static constexpr int kNumParams = 2;
  static constexpr int kMaxParams = kNumParams;
  static constexpr bool kHasEnclosedLight = true;
  // -d ln I / d ln r never decreases outwards (see dark_tail.hpp).
  static constexpr bool kSteepeningTail = true;
  // The last parameter is log10 of an amplitude: its Jacobian column is ln 10 times the image.
  static constexpr bool kLastScalesImage = true;

  ExponentialProfile(double Re, double log10_Ie)
      : inv_Re_(1.0 / Re), ln_Ie_(kLn10 * log10_Ie), b_(sersic_b(1.0).b) {
    require_positive(Re, "Re");
    require_finite(log10_Ie, "Ie");
  }

  int num_params() const { return kNumParams; }
  /// The size parameter (arcsec), and the names of the size and brightness parameters.
  double size() const { return 1.0 / inv_Re_; }
  static constexpr const char* kSizeName = "Re";
  static constexpr const char* kBrightnessName = "Ie";
  double log_peak() const { return ln_Ie_ + b_; }

  /// Enclosed light F(R) = int_0^R I(r) r dr and dF/dp for Re, Ie.
  void enclosed(double R, double* F, double* dF) const {
    const double x = b_ * R * inv_Re_;
    const double scale = std::exp(ln_Ie_ + b_) / (b_ * b_ * inv_Re_ * inv_Re_);  // Ie e^b Re^2 / b^2
    const double ex = std::exp(-x);
    *F = scale * (-std::expm1(-x) - x * ex);
    dF[0] = (2.0 * *F - scale * x * x * ex) * inv_Re_;
    dF[1] = kLn10 * *F;
  }

  POLYCHROME_INLINE void eval(const Radius& rad, LogDerivatives& o) const {
    o.L = ln_Ie_ - b_ * (rad.r * inv_Re_ - 1.0);
    o.L1 = -b_ * inv_Re_;
    o.L2 = 0.0;
    o.L3 = 0.0;
    o.L4 = 0.0;
  }

  POLYCHROME_INLINE void eval_with_params(const Radius& rad, LogDerivatives& o, double* dL,
                        double* dL1, double* dL2) const {
    eval(rad, o);
    const double b_Re2 = b_ * inv_Re_ * inv_Re_;
    dL[0] = b_Re2 * rad.r;
    dL1[0] = b_Re2;
    dL2[0] = 0.0;
    dL[1] = kLn10;
    dL1[1] = 0.0;
    dL2[1] = 0.0;
  }

 private:
  double inv_Re_, ln_Ie_, b_;
};

}  // namespace polychrome
