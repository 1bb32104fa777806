// Modified Ferrer profile (AstroPhot's "ferrer"), a bar or lens of compact support:
//   I(r) = I0 (1 - (r/rout)^(2 - beta))^alpha   for r < rout,   0 beyond.
// Parameters: rout (outer radius, arcsec, > 0), alpha (outer slope, in [0.001, 10]), beta (central
// slope, in [0, 1.99]: a flat core for beta = 0, a cusp-like centre I0 - alpha I0 (r/rout)^(2-beta)
// as beta nears 2), I0 (log10 of the central surface brightness, flux/arcsec^2; AstroPhot's I0
// is the linear brightness).
//
// With t = ln(r/rout), p = 2 - beta, u = e^(p t) and g = u / (1 - u), the log-log slope is
// m(t) = r dL/dr = -alpha p g, whose t-derivatives are -alpha p^2 g / (1 - u),
// -alpha p^3 g (1 + u) / (1 - u)^2 and -alpha p^4 g (1 + 4u + u^2) / (1 - u)^3; the radial
// derivatives of L = ln I follow as for the Nuker profile.
//
// The edge r = rout is a branch point of L on the real axis ((1 - u)^alpha): the profile reports it
// through singular_distance2 and log_max_within (profile.hpp), so that the engine splits the cells
// that straddle it and never takes one whose midpoint lies just beyond it for empty. Beyond the
// edge L = kLogZeroBrightness with every derivative 0.
#pragma once

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "polychrome/fast_math.hpp"
#include "polychrome/inline.hpp"
#include "polychrome/profile.hpp"

namespace polychrome {

class FerrerProfile {
 public:
  static constexpr int kNumParams = 4;
  static constexpr int kMaxParams = kNumParams;
  // compact support: I = 0 from edge_radius() on (profile.hpp, HasEdge)
  static constexpr bool kHasEdge = true;
  static constexpr bool kHasEnclosedLight = true;
  // The last parameter is log10 of an amplitude: its Jacobian column is ln 10 times the image.
  static constexpr bool kLastScalesImage = true;
  // alpha's range: AstroPhot's (0, 10), its lower end kept off 0 (1/alpha stays finite, the edge a step
  // to 1e-3 of I0 over 1e-3000 of rout at most)
  static constexpr double kMinAlpha = 1e-3;
  static constexpr double kMaxAlpha = 10.0;
  // beta's largest value: AstroPhot's range is [0, 2); kept 0.01 off 2 (the exponent 2 - beta of the
  // profile and of the enclosed light's integrals stays resolvable)
  static constexpr double kMaxBeta = 1.99;
  static constexpr const char* kSizeName = "rout";
  static constexpr const char* kBrightnessName = "I0";

  FerrerProfile(double rout, double alpha, double beta, double log10_I0)
      : rout_(rout), ln_rout_(std::log(rout)), alpha_(alpha), beta_(beta), p_(2.0 - beta),
        ln_I0_(kLn10 * log10_I0) {
    require_positive(rout, "rout");
    if (!(alpha >= kMinAlpha && alpha <= kMaxAlpha))
      throw std::invalid_argument("alpha must be in [0.001, 10] (the Ferrer profile's outer slope), got " +
                                  std::to_string(alpha));
    if (!(beta >= 0.0 && beta <= kMaxBeta))
      throw std::invalid_argument("beta must be in [0, 1.99] (the Ferrer profile's central slope), got " +
                                  std::to_string(beta));
    require_finite(log10_I0, "I0");
  }

  int num_params() const { return kNumParams; }
  /// The size parameter (arcsec): the outer radius.
  double size() const { return rout_; }
  /// The radius (arcsec) beyond which I = 0.
  double edge_radius() const { return rout_; }
  /// ln I(0), the largest brightness (flux/arcsec^2).
  double log_peak() const { return ln_I0_; }

  /// The parameter that moves the edge (rout), for the edge pixels' exact integral (edge_pixel_quadrature.hpp).
  static constexpr int kEdgeRadiusParam = 0;
  /// The auxiliary factor of the edge radius's derivative (edge_pixel_quadrature.hpp): none needed.
  double edge_auxiliary(double /*r*/) const { return 0.0; }
  /// dH/drout (flux/arcsec^2 x arcsec) of H(R) = F(R) - F(rout) (flux/arcsec^2 x arcsec^2) at R (arcsec),
  /// given H(R) and I(R) (flux/arcsec^2): I depends on r / rout alone, so dF/drout = (2 F - R^2 I(R)) / rout,
  /// and I(rout) = 0.
  double edge_radius_derivative(double R, double H, double I_R, double /*M*/) const {
    return (2.0 * H - R * R * I_R) / rout_;
  }

  /// Squared distance (arcsec^2) from r to the edge, the branch point of L (profile.hpp).
  POLYCHROME_INLINE double singular_distance2(double r) const {
    const double d = r - rout_;
    return d * d;
  }

  /// ln of the largest I over radii within reach (arcsec) of r: I falls outward, so I(max(r - reach, 0)).
  POLYCHROME_INLINE double log_max_within(double r, double reach) const {
    const double inner = std::max(r - reach, 0.0);
    return log_at(inner);
  }

  /// ln I(r) for r >= 0 (kLogZeroBrightness from the edge on).
  POLYCHROME_INLINE double log_at(double r) const {
    const double x = r / rout_;
    const double u = x > 0.0 ? fast_exp(p_ * fast_log(x)) : 0.0;
    return u < 1.0 ? ln_I0_ + alpha_ * fast_log(1.0 - u) : kLogZeroBrightness;
  }

  POLYCHROME_INLINE void eval(const Radius& rad, LogDerivatives& o) const {
    Terms k = terms(rad);
    const double rho = rad.rho, rho2 = rho * rho;
    o.L = k.inside ? ln_I0_ + alpha_ * fast_log(k.z) : kLogZeroBrightness;
    o.L1 = k.m * rho;
    o.L2 = (k.m1 - k.m) * rho2;
    o.L3 = (k.m2 - 3.0 * k.m1 + 2.0 * k.m) * rho2 * rho;
    o.L4 = (k.m3 - 6.0 * k.m2 + 11.0 * k.m1 - 6.0 * k.m) * rho2 * rho2;
  }

  POLYCHROME_INLINE void eval_with_params(const Radius& rad, LogDerivatives& o, double* dL, double* dL1,
                                          double* dL2) const {
    eval(rad, o);
    const Terms k = terms(rad);
    const double rho = rad.rho, rho2 = rho * rho;
    const double t = rad.log_r - ln_rout_;
    auto slopes = [&](int q, double dm, double dm1) __attribute__((always_inline)) {
      dL1[q] = dm * rho;
      dL2[q] = (dm1 - dm) * rho2;
    };
    // rout: t moves by -1/rout
    const double inv_rout = 1.0 / rout_;
    dL[0] = -k.m * inv_rout;
    slopes(0, -k.m1 * inv_rout, -k.m2 * inv_rout);
    // alpha: L - ln I0 and the slopes are proportional to it
    dL[1] = k.inside ? fast_log(k.z) : 0.0;
    slopes(1, k.m / alpha_, k.m1 / alpha_);
    // beta = 2 - p: du/dp = t u
    const double tg = k.inside ? t * k.g : 0.0;  // t g (t is finite, g = 0 at the centre and beyond)
    dL[2] = alpha_ * tg;
    slopes(2, alpha_ * (k.g + p_ * tg * k.inv),
           alpha_ * (2.0 * p_ * k.g * k.inv + p_ * p_ * tg * (1.0 + k.u) * k.inv * k.inv));
    // I0 (log10)
    dL[3] = k.inside ? kLn10 : 0.0;
    dL1[3] = 0.0;
    dL2[3] = 0.0;
  }

  /// Enclosed light F(R) = int_0^R I(r) r dr (flux/arcsec^2 x arcsec^2) and dF/dp for rout, alpha,
  /// beta, I0. With v = (r/rout)^p, F = C J0, C = I0 rout^2 / p, J0 = int_0^V v^(a-1) (1-v)^alpha dv
  /// (an incomplete beta function, a = 2/p, V = min(R/rout, 1)^p); the derivatives follow from it,
  /// from J_alpha and J_v (the same integrand times ln(1 - v), times ln v) and from I(R) alone:
  ///   dF/drout = 2 F / rout - R^2 I(R) / rout,
  ///   dF/dalpha = C J_alpha,
  ///   dF/dbeta = F / p + C [(2 / p^2) J_v - X^2 (1 - V)^alpha ln X]   (X = min(R/rout, 1)).
  /// The integrals: 8-point Gauss-Legendre on octaves of [0, min(V, 1/2)] graded towards v = 0 and
  /// on octaves of 1 - v graded towards the edge v = 1, where the integrands are power laws
  /// (v^(a-1), (1-v)^alpha) times smooth factors; kOctaves of them leave out below 2^-40 (~1e-12)
  /// of either end.
  void enclosed(double R, double* F, double* dF) const {
    for (int q = 0; q < kNumParams; ++q) dF[q] = 0.0;
    *F = 0.0;
    if (!(R > 0.0)) return;
    const double X = std::min(R / rout_, 1.0);
    const double V = X < 1.0 ? std::pow(X, p_) : 1.0;
    const double a = 2.0 / p_;
    double J0 = 0.0, Ja = 0.0, Jv = 0.0;
    // one node: v and z = 1 - v (each given where it is exact), weight w
    auto add = [&](double v, double z, double w) {
      const double ln_v = std::log(v), ln_z = std::log(z);
      const double f = w * std::exp((a - 1.0) * ln_v + alpha_ * ln_z);
      J0 += f;
      Ja += f * ln_z;
      Jv += f * ln_v;
    };
    const double v_mid = std::min(V, 0.5);
    double hi = v_mid;
    for (int k = 0; k < kOctaves; ++k) {  // octaves of [0, v_mid] towards 0
      const double lo = 0.5 * hi;
      const double c = 0.5 * (lo + hi), h = 0.5 * (hi - lo);
      for (int j = 0; j < kGaussNodes; ++j) {
        const double v = c + h * kGaussX[j];
        add(v, 1.0 - v, h * kGaussW[j]);
      }
      hi = lo;
    }
    if (V > 0.5) {  // octaves of z = 1 - v in [1 - V, 1/2] towards the edge
      const double z_end = 1.0 - V;
      double z_hi = 0.5;
      for (int k = 0; k < kOctaves && z_hi > z_end; ++k) {
        const double z_lo = std::max(0.5 * z_hi, z_end);
        const double c = 0.5 * (z_lo + z_hi), h = 0.5 * (z_hi - z_lo);
        for (int j = 0; j < kGaussNodes; ++j) {
          const double z = c + h * kGaussX[j];
          add(1.0 - z, z, h * kGaussW[j]);
        }
        z_hi = z_lo;
      }
    }
    const double C = std::exp(ln_I0_) * rout_ * rout_ / p_;
    *F = C * J0;
    const double I_R = X < 1.0 ? std::exp(ln_I0_ + alpha_ * std::log1p(-V)) : 0.0;
    dF[0] = 2.0 * *F / rout_ - R * R * I_R / rout_;
    dF[1] = C * Ja;
    const double edge_term = X < 1.0 ? X * X * std::exp(alpha_ * std::log1p(-V)) * std::log(X) : 0.0;
    dF[2] = *F / p_ + C * (2.0 / (p_ * p_) * Jv - edge_term);
    dF[3] = kLn10 * *F;
  }

 private:
  // u, g = u / (1 - u), 1 / (1 - u), z = 1 - u and the slope m with its t-derivatives; all 0 (u, g,
  // m...) at the centre and beyond the edge, where only L is set apart.
  struct Terms {
    bool inside;
    double u, z, inv, g, m, m1, m2, m3;
  };

  POLYCHROME_INLINE Terms terms(const Radius& rad) const {
    const bool off_centre = rad.r > 0.0;
    const double u_raw = fast_exp(p_ * (rad.log_r - ln_rout_));
    const bool beyond = off_centre & !(u_raw < 1.0);
    Terms k;
    k.inside = !beyond;
    k.u = (off_centre & !beyond) ? u_raw : 0.0;
    k.z = 1.0 - k.u;
    k.inv = 1.0 / k.z;
    k.g = k.u * k.inv;
    const double ap = (beyond ? 0.0 : alpha_) * p_;
    k.m = -ap * k.g;
    k.m1 = -ap * p_ * k.g * k.inv;
    k.m2 = -ap * p_ * p_ * k.g * (1.0 + k.u) * k.inv * k.inv;
    k.m3 = -ap * p_ * p_ * p_ * k.g * (1.0 + k.u * (4.0 + k.u)) * k.inv * k.inv * k.inv;
    return k;
  }

  static constexpr int kOctaves = 40;
  static constexpr int kGaussNodes = 8;
  static constexpr double kGaussX[kGaussNodes] = {
      -0.9602898564975362316835609, -0.7966664774136267395915539, -0.5255324099163289858177390,
      -0.1834346424956498049394761, 0.1834346424956498049394761,  0.5255324099163289858177390,
      0.7966664774136267395915539,  0.9602898564975362316835609};
  static constexpr double kGaussW[kGaussNodes] = {
      0.1012285362903762591525314, 0.2223810344533744705443560, 0.3137066458778872873379622,
      0.3626837833783619829651504, 0.3626837833783619829651504, 0.3137066458778872873379622,
      0.2223810344533744705443560, 0.1012285362903762591525314};

  double rout_, ln_rout_, alpha_, beta_, p_, ln_I0_;
};

/// The pixel holding the centre is integrated from F(R) (polar_quadrature.hpp) only where it lies well
/// inside the edge, whose branch point would otherwise slow the Gauss rules along its sides; else it
/// is subdivided.
POLYCHROME_INLINE bool enclosed_light_applies(const FerrerProfile& profile, double reach) {
  return reach <= 0.5 * profile.edge_radius();
}

}  // namespace polychrome
