// Moffat profile as a galaxy profile: I(r) = I0 / (1 + (r/Rd)^2)^n.
// Parameters: n (power index), Rd (core radius, arcsec), I0 (log10 of the
// central surface brightness, flux/arcsec^2).
#pragma once

#include <cmath>

#include "polychrome/fast_math.hpp"
#include "polychrome/inline.hpp"
#include "polychrome/profile.hpp"

namespace polychrome {

class MoffatProfile {
 public:
  static constexpr int kNumParams = 3;
  static constexpr int kMaxParams = kNumParams;
  static constexpr bool kHasEnclosedLight = true;
  // -d ln I / d ln r never decreases outwards (see dark_tail.hpp).
  static constexpr bool kSteepeningTail = true;
  // The last parameter is log10 of an amplitude: its Jacobian column is ln 10 times the image.
  static constexpr bool kLastScalesImage = true;

  MoffatProfile(double n, double Rd, double log10_I0)
      : n_(n), Rd_(Rd), Rd2_(Rd * Rd), ln_Rd2_(std::log(Rd * Rd)),
        ln_I0_(kLn10 * log10_I0) {
    require_positive(n, "n");
    require_positive(Rd, "Rd");
    require_finite(log10_I0, "I0");
  }

  int num_params() const { return kNumParams; }
  /// The size parameter (arcsec), and the names of the size and brightness parameters.
  double size() const { return Rd_; }
  static constexpr const char* kSizeName = "Rd";
  static constexpr const char* kBrightnessName = "I0";
  double log_peak() const { return ln_I0_; }

  /// Enclosed light F(R) = int_0^R I(r) r dr = I0 Rd^2 / 2 * G, with
  /// G = ((1+u)^m - 1) / m, m = 1 - n, u = R^2/Rd^2; and dF/dp for n, Rd, I0.
  void enclosed(double R, double* F, double* dF) const {
    const double u = R * R / Rd2_;
    const double l = std::log1p(u);
    const double m = 1.0 - n_;
    double G, dG_dm;
    if (std::abs(m * l) < 1e-4) {  // series in m l: no cancellation near n = 1
      G = l * (1.0 + m * l / 2.0 + m * m * l * l / 6.0);
      dG_dm = l * l * (0.5 + m * l / 3.0 + m * m * l * l / 8.0);
    } else {
      const double pm = std::expm1(m * l);  // (1+u)^m - 1
      G = pm / m;
      dG_dm = ((pm + 1.0) * l * m - pm) / (m * m);
    }
    const double i0 = std::exp(ln_I0_);
    *F = 0.5 * i0 * Rd2_ * G;
    dF[0] = -0.5 * i0 * Rd2_ * dG_dm;
    dF[1] = i0 * Rd_ * (G - u * std::exp(-n_ * l));
    dF[2] = kLn10 * *F;
  }

  POLYCHROME_INLINE void eval(const Radius& rad, LogDerivatives& o) const {
    const double D = Rd2_ + rad.r2;
    const double inv_D = 1.0 / D;
    const double inv_D2 = inv_D * inv_D;
    o.L = ln_I0_ - n_ * (fast_log(D) - ln_Rd2_);
    o.L1 = -2.0 * n_ * rad.r * inv_D;
    o.L2 = -2.0 * n_ * (Rd2_ - rad.r2) * inv_D2;
    o.L3 = 4.0 * n_ * rad.r * (3.0 * Rd2_ - rad.r2) * inv_D2 * inv_D;
    o.L4 = 4.0 * n_ * (3.0 * (Rd2_ - rad.r2) * D - 6.0 * rad.r2 * (3.0 * Rd2_ - rad.r2)) *
           inv_D2 * inv_D2;
  }

  POLYCHROME_INLINE void eval_with_params(const Radius& rad, LogDerivatives& o, double* dL,
                        double* dL1, double* dL2) const {
    eval(rad, o);
    const double D = Rd2_ + rad.r2;
    const double inv_D = 1.0 / D;
    const double inv_D2 = inv_D * inv_D;
    const double log_ratio = (ln_I0_ - o.L) / n_;  // ln(1 + r^2/Rd^2)
    // d/dn
    dL[0] = -log_ratio;
    dL1[0] = -2.0 * rad.r * inv_D;
    dL2[0] = -2.0 * (Rd2_ - rad.r2) * inv_D2;
    // d/dRd
    dL[1] = 2.0 * n_ * rad.r2 * inv_D / Rd_;
    dL1[1] = 4.0 * n_ * rad.r * Rd_ * inv_D2;
    dL2[1] = -4.0 * n_ * Rd_ * (3.0 * rad.r2 - Rd2_) * inv_D2 * inv_D;
    // d/dI0 (log10)
    dL[2] = kLn10;
    dL1[2] = 0.0;
    dL2[2] = 0.0;
  }

 private:
  double n_, Rd_, Rd2_, ln_Rd2_, ln_I0_;
};

}  // namespace polychrome
