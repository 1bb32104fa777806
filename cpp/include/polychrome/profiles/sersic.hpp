// Sersic profile: I(r) = Ie exp(-b_n [(r/Re)^(1/n) - 1]).
// Parameters: n (index), Re (half-light semi-major radius, arcsec),
// Ie (log10 of the surface brightness at Re, flux/arcsec^2).
#pragma once

#include <cmath>

#include "polychrome/fast_math.hpp"
#include "polychrome/inline.hpp"
#include "polychrome/profile.hpp"
#include "polychrome/special_functions.hpp"

namespace polychrome {

class SersicProfile {
 public:
  static constexpr int kNumParams = 3;
  static constexpr int kMaxParams = kNumParams;
  static constexpr bool kHasEnclosedLight = true;
  // -d ln I / d ln r never decreases outwards (see dark_tail.hpp).
  static constexpr bool kSteepeningTail = true;
  // The last parameter is log10 of an amplitude: its Jacobian column is ln 10 times the image.
  static constexpr bool kLastScalesImage = true;

  SersicProfile(double n, double Re, double log10_Ie)
      : n_(n), inv_n_(1.0 / n), ln_Re_(std::log(Re)), inv_Re_(1.0 / Re),
        ln_Ie_(kLn10 * log10_Ie) {
    require_in_range(n, 0.36, 10.0, "n");
    require_positive(Re, "Re");
    require_finite(log10_Ie, "Ie");
    gamma_2n_ = gamma_p_constants(2.0 * n);
    const SersicB sb = sersic_b(gamma_2n_);
    b_ = sb.b;
    ln_b_ = std::log(b_);
    db_dn_ = sb.db_dn;
    // F(inf) = Ie e^b n Re^2 b^-2n Gamma(2n), and d ln F(inf) / dn
    ln_total_ = ln_Ie_ + b_ + std::log(n) + 2.0 * ln_Re_ - 2.0 * n * ln_b_ + gamma_2n_.log_gamma_a;
    total_ = std::exp(ln_total_);
    dln_total_dn_ = db_dn_ + inv_n_ - 2.0 * ln_b_ - 2.0 * n * db_dn_ / b_ + 2.0 * digamma(2.0 * n);
  }

  /// Enclosed light F(R) = int_0^R I(r) r dr (the flux inside the ellipse of
  /// semi-major axis R is 2 pi q F) and dF/dp for n, Re, Ie; with I non-null also
  /// I(R) (flux/arcsec^2), from the same special functions: dF/dR = I R = F(inf) dP/dx dx/dR.
  void enclosed(double R, double* F, double* dF, double* I = nullptr) const {
    const double total = total_;
    if (!(R > 0.0)) {
      *F = 0.0;
      dF[0] = dF[1] = dF[2] = 0.0;
      if (I) *I = std::exp(ln_Ie_ + b_);
      return;
    }
    const double log_ratio = std::log(R) - ln_Re_;
    const double log_x_over_b = log_ratio * inv_n_;
    const double x = b_ * std::exp(log_x_over_b);
    const GammaPWithDerivatives g = regularized_gamma_p_with_derivatives(gamma_2n_, x, ln_b_ + log_x_over_b);
    *F = total * g.p;
    const double dx_dn = x * (db_dn_ / b_ - log_ratio * inv_n_ * inv_n_);
    const double dF_dx = total * g.dp_dx;
    dF[0] = *F * dln_total_dn_ + total * (2.0 * g.dp_da + g.dp_dx * dx_dn);
    dF[1] = (2.0 * *F - dF_dx * x * inv_n_) * inv_Re_;
    dF[2] = kLn10 * *F;
    if (I) *I = dF_dx * x * inv_n_ / (R * R);  // dx/dR = x / (n R)
  }

  /// F(R) alone (flux/arcsec^2 x arcsec^2), for value-only renders: the series without dP/da.
  double enclosed_value(double R) const {
    if (!(R > 0.0)) return 0.0;
    const double log_x_over_b = (std::log(R) - ln_Re_) * inv_n_;
    return total_ * regularized_gamma_p(gamma_2n_, b_ * std::exp(log_x_over_b), ln_b_ + log_x_over_b);
  }

  int num_params() const { return kNumParams; }
  /// The size parameter (arcsec), and the names of the size and brightness parameters.
  double size() const { return 1.0 / inv_Re_; }
  static constexpr const char* kSizeName = "Re";
  static constexpr const char* kBrightnessName = "Ie";
  double log_peak() const { return ln_Ie_ + b_; }
  double b() const { return b_; }

  POLYCHROME_INLINE void eval(const Radius& rad, LogDerivatives& o) const {
    const double s = fast_exp((rad.log_r - ln_Re_) * inv_n_);  // (r/Re)^(1/n)
    const double bs_n = b_ * s * inv_n_;
    const double rho = rad.rho;
    o.L = ln_Ie_ - b_ * (s - 1.0);
    o.L1 = -bs_n * rho;
    o.L2 = bs_n * (1.0 - inv_n_) * rho * rho;
    o.L3 = o.L2 * (inv_n_ - 2.0) * rho;
    o.L4 = o.L3 * (inv_n_ - 3.0) * rho;
  }

  POLYCHROME_INLINE void eval_with_params(const Radius& rad, LogDerivatives& o, double* dL,
                        double* dL1, double* dL2) const {
    const double t = rad.log_r - ln_Re_;  // ln(r/Re)
    const double s = fast_exp(t * inv_n_);
    const double bs_n = b_ * s * inv_n_;
    const double rho = rad.rho;
    const double rho2 = rho * rho;
    const double one_minus_inv_n = 1.0 - inv_n_;
    o.L = ln_Ie_ - b_ * (s - 1.0);
    o.L1 = -bs_n * rho;
    o.L2 = bs_n * one_minus_inv_n * rho2;
    o.L3 = o.L2 * (inv_n_ - 2.0) * rho;
    o.L4 = o.L3 * (inv_n_ - 3.0) * rho;
    // d/dn, with ds/dn = -s t / n^2
    const double ds_dn = -s * t * inv_n_ * inv_n_;
    const double inv_n2 = inv_n_ * inv_n_;
    dL[0] = -db_dn_ * (s - 1.0) - b_ * ds_dn;
    dL1[0] = -rho * (db_dn_ * s * inv_n_ + b_ * ds_dn * inv_n_ - b_ * s * inv_n2);
    dL2[0] = rho2 * ((db_dn_ * (n_ - 1.0) * inv_n2 + b_ * (2.0 - n_) * inv_n2 * inv_n_) * s +
                     b_ * (n_ - 1.0) * inv_n2 * ds_dn);
    // d/dRe, with ds/dRe = -s / (n Re)
    dL[1] = bs_n * inv_Re_;
    dL1[1] = bs_n * inv_n_ * rho * inv_Re_;
    dL2[1] = -bs_n * one_minus_inv_n * inv_n_ * rho2 * inv_Re_;
    // d/dIe (log10)
    dL[2] = kLn10;
    dL1[2] = 0.0;
    dL2[2] = 0.0;
  }

 private:
  double n_, inv_n_, ln_Re_, inv_Re_, ln_Ie_;
  double b_ = 0.0, ln_b_ = 0.0, db_dn_ = 0.0;
  GammaPConstants gamma_2n_{};  // of P(2n, x): the enclosed light's shape
  double ln_total_ = 0.0, total_ = 0.0, dln_total_dn_ = 0.0;  // ln F(inf), F(inf), d ln F(inf) / dn
};

}  // namespace polychrome
