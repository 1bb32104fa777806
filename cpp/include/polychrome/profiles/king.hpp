// Empirical King profile (Elson 1999; AstroPhot's "king"), a star cluster's:
//   I(r) = I0 [(s(r) - b) / (1 - b)]^alpha   for r < Rt,   0 beyond,
//   s(r) = (1 + (r/Rc)^2)^(-1/alpha),  b = s(Rt).
// Parameters: Rc (core radius, arcsec, > 0), Rt (truncation radius, arcsec, > 0), alpha
// (concentration, in [0.001, 10]; 2 is King's 1962 law), I0 (log10 of the central surface brightness,
// flux/arcsec^2; AstroPhot's I0 is the linear brightness).
//
// With q(r) = ln s = -(1/alpha) ln(1 + r^2/Rc^2) (the log of a Moffat profile of index 1/alpha) and
// D = s - b, L = ln I0 + alpha (ln D - ln(1 - b)); the radial derivatives of ln D follow from
// e_k = s^(k) / D, the derivatives of s = e^q in turn from q's.
//
// The edge r = Rt is a branch point of L on the real axis (D^alpha): the profile reports it through
// singular_distance2 and log_max_within (profile.hpp). Beyond it L = kLogZeroBrightness with every
// derivative 0. The centre is smooth (a function of r^2): no enclosed light is needed there.
#pragma once

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "polychrome/fast_math.hpp"
#include "polychrome/inline.hpp"
#include "polychrome/profile.hpp"

namespace polychrome {

class KingProfile {
 public:
  static constexpr int kNumParams = 4;
  static constexpr int kMaxParams = kNumParams;
  // compact support: I = 0 from edge_radius() on (profile.hpp, HasEdge)
  static constexpr bool kHasEdge = true;
  static constexpr bool kHasEnclosedLight = false;
  // The last parameter is log10 of an amplitude: its Jacobian column is ln 10 times the image.
  static constexpr bool kLastScalesImage = true;
  // alpha's range: AstroPhot's (0, 10), its lower end kept off 0 (1/alpha, s's exponent, stays finite)
  static constexpr double kMinAlpha = 1e-3;
  static constexpr double kMaxAlpha = 10.0;
  static constexpr const char* kSizeName = "Rc";
  static constexpr const char* kBrightnessName = "I0";

  KingProfile(double Rc, double Rt, double alpha, double log10_I0)
      : Rc_(Rc), Rc2_(Rc * Rc), Rt_(Rt), alpha_(alpha), inv_alpha_(1.0 / alpha), ln_I0_(kLn10 * log10_I0) {
    require_positive(Rc, "Rc");
    require_positive(Rt, "Rt");
    if (!(alpha >= kMinAlpha && alpha <= kMaxAlpha))
      throw std::invalid_argument("alpha must be in [0.001, 10] (the King profile's concentration), got " +
                                  std::to_string(alpha));
    require_finite(log10_I0, "I0");
    const double qb = -inv_alpha_ * std::log1p(Rt * Rt / Rc2_);
    b_ = std::exp(qb);
    one_minus_b_ = -std::expm1(qb);
    ln_one_minus_b_ = std::log(one_minus_b_);
    // db/dRc, db/dRt, db/dalpha
    const double E = Rc2_ + Rt * Rt;
    db_[0] = b_ * 2.0 * inv_alpha_ * Rt * Rt / (Rc * E);
    db_[1] = -b_ * 2.0 * inv_alpha_ * Rt / E;
    db_[2] = -b_ * qb * inv_alpha_;
  }

  int num_params() const { return kNumParams; }
  /// The size parameter (arcsec): the core radius.
  double size() const { return Rc_; }
  /// The radius (arcsec) beyond which I = 0.
  double edge_radius() const { return Rt_; }
  /// ln I(0), the largest brightness (flux/arcsec^2).
  double log_peak() const { return ln_I0_; }

  /// The parameter that moves the edge (Rt), for the edge pixels' exact integral (edge_pixel_quadrature.hpp).
  static constexpr int kEdgeRadiusParam = 1;
  /// The auxiliary factor a(r) = 1 / s(r) (dimensionless) of Rt's derivative below.
  POLYCHROME_INLINE double edge_auxiliary(double r) const { return fast_exp(inv_alpha_ * log1p_of(r * r / Rc2_)); }
  /// dH/dRt (flux/arcsec^2 x arcsec) of H(R) = -int_R^Rt I r dr at R (arcsec), given H(R), I(R) and
  /// M(R) = int_R^Rt I r / s dr. Rt enters I through b alone: dI/db = alpha I (1 / (1 - b) - 1 / (s - b)),
  /// and the singular part int_R^Rt I r / (s - b) dr, integrated by parts with d(s - b)^alpha / dr, is
  /// I(R) (Rc^2 / 2) (1 + R^2/Rc^2) / s(R) + (alpha + 1) / alpha M(R).
  double edge_radius_derivative(double R, double H, double I_R, double M) const {
    const double x = R * R / Rc2_;
    const double inv_s = std::exp(inv_alpha_ * std::log1p(x));
    const double K = I_R * 0.5 * Rc2_ * (1.0 + x) * inv_s + (alpha_ + 1.0) * inv_alpha_ * M;
    return db_[1] * alpha_ * (H / one_minus_b_ + K);
  }

  /// Squared distance (arcsec^2) from r to the edge, the branch point of L on the real axis.
  POLYCHROME_INLINE double singular_distance2(double r) const {
    const double d = r - Rt_;
    return d * d;
  }

  /// ln of the largest I over radii within reach (arcsec) of r: I falls outward, so I(max(r - reach, 0)).
  POLYCHROME_INLINE double log_max_within(double r, double reach) const {
    return log_at(std::max(r - reach, 0.0));
  }

  /// ln I(r) for r >= 0 (kLogZeroBrightness from the edge on).
  POLYCHROME_INLINE double log_at(double r) const {
    const double s = fast_exp(-inv_alpha_ * log1p_of(r * r / Rc2_));
    const double D = s - b_;
    return (D > 0.0 && r < Rt_) ? ln_I0_ + alpha_ * (fast_log(D) - ln_one_minus_b_) : kLogZeroBrightness;
  }

  POLYCHROME_INLINE void eval(const Radius& rad, LogDerivatives& o) const {
    const Terms k = terms(rad);
    o.L = k.inside ? ln_I0_ + alpha_ * (fast_log(k.D) - ln_one_minus_b_) : kLogZeroBrightness;
    const double e1 = k.e1, e2 = k.e2, e3 = k.e3, e4 = k.e4;
    const double e1s = e1 * e1;
    o.L1 = alpha_ * e1;
    o.L2 = alpha_ * (e2 - e1s);
    o.L3 = alpha_ * (e3 - 3.0 * e1 * e2 + 2.0 * e1s * e1);
    o.L4 = alpha_ * (e4 - 4.0 * e1 * e3 - 3.0 * e2 * e2 + 12.0 * e1s * e2 - 6.0 * e1s * e1s);
  }

  POLYCHROME_INLINE void eval_with_params(const Radius& rad, LogDerivatives& o, double* dL, double* dL1,
                                          double* dL2) const {
    eval(rad, o);
    const Terms k = terms(rad);
    const double r2 = rad.r2, E = Rc2_ + r2;
    const double inv_E = 1.0 / E;
    const double iD = k.inside ? 1.0 / k.D : 0.0;
    const double s = k.inside ? k.s : 0.0;
    const double s1 = s * k.q1, s2 = s * (k.q2 + k.q1 * k.q1);
    // partials of q, q1, q2 by Rc and alpha (s does not depend on Rt)
    const double dq_Rc = 2.0 * inv_alpha_ * r2 * inv_E / Rc_;
    const double dq1_Rc = 4.0 * inv_alpha_ * rad.r * Rc_ * inv_E * inv_E;
    const double dq2_Rc = -4.0 * inv_alpha_ * Rc_ * (3.0 * r2 - Rc2_) * inv_E * inv_E * inv_E;
    const double log_ratio = k.inside ? fast_log(k.D) - ln_one_minus_b_ : 0.0;  // (L - ln I0) / alpha
    const double L1a = s1 * iD, L2a = s2 * iD - L1a * L1a;                     // L1 / alpha, L2 / alpha
    // one parameter, from its partials of q, q1, q2 and b; `own` = 1 for alpha (the prefactor)
    auto column = [&](int p, double dq, double dq1, double dq2, double db, double own)
                      __attribute__((always_inline)) {
      const double ds = s * dq;
      const double ds1 = s * (dq * k.q1 + dq1);
      const double ds2 = s * (dq * (k.q2 + k.q1 * k.q1) + dq2 + 2.0 * k.q1 * dq1);
      const double dD = ds - db;
      dL[p] = own * log_ratio + alpha_ * (dD * iD + (k.inside ? db / one_minus_b_ : 0.0));
      dL1[p] = own * L1a + alpha_ * (ds1 - s1 * dD * iD) * iD;
      dL2[p] = own * L2a + alpha_ * (ds2 - s2 * dD * iD - 2.0 * L1a * (ds1 - s1 * dD * iD)) * iD;
    };
    column(0, dq_Rc, dq1_Rc, dq2_Rc, db_[0], 0.0);
    column(1, 0.0, 0.0, 0.0, db_[1], 0.0);
    column(2, -k.q * inv_alpha_, -k.q1 * inv_alpha_, -k.q2 * inv_alpha_, db_[2], 1.0);
    dL[3] = k.inside ? kLn10 : 0.0;
    dL1[3] = 0.0;
    dL2[3] = 0.0;
  }

 private:
  // q and its radial derivatives, s = e^q, D = s - b and e_k = s^(k) / D (0 beyond the edge).
  struct Terms {
    bool inside;
    double q, q1, q2, s, D, e1, e2, e3, e4;
  };

  POLYCHROME_INLINE Terms terms(const Radius& rad) const {
    const double r = rad.r, r2 = rad.r2;
    const double E = Rc2_ + r2;
    const double inv_E = 1.0 / E, inv_E2 = inv_E * inv_E;
    const double n = inv_alpha_;  // q is the log of a Moffat profile of index 1/alpha
    Terms k;
    k.q = -n * log1p_of(r2 / Rc2_);
    k.q1 = -2.0 * n * r * inv_E;
    k.q2 = -2.0 * n * (Rc2_ - r2) * inv_E2;
    const double q3 = 4.0 * n * r * (3.0 * Rc2_ - r2) * inv_E2 * inv_E;
    const double q4 = 4.0 * n * (3.0 * (Rc2_ - r2) * E - 6.0 * r2 * (3.0 * Rc2_ - r2)) * inv_E2 * inv_E2;
    k.s = fast_exp(k.q);
    const double D = k.s - b_;
    k.inside = (D > 0.0) & (r < Rt_);
    k.D = k.inside ? D : 1.0;
    const double sigma = k.inside ? k.s / k.D : 0.0;  // s / D
    const double q1 = k.q1, q2 = k.q2, q1s = q1 * q1;
    k.e1 = sigma * q1;
    k.e2 = sigma * (q2 + q1s);
    k.e3 = sigma * (q3 + 3.0 * q1 * q2 + q1s * q1);
    k.e4 = sigma * (q4 + 4.0 * q1 * q3 + 3.0 * q2 * q2 + 6.0 * q1s * q2 + q1s * q1s);
    return k;
  }

  // ln(1 + x) for x >= 0: log1p accuracy where x is small, vectorisable (as in nuker.hpp).
  static POLYCHROME_INLINE double log1p_of(double x) {
    const double w = 1.0 + x;
    const double c = (w - 1.0) - x;
    return fast_log(w) - c / w;
  }

  double Rc_, Rc2_, Rt_, alpha_, inv_alpha_, ln_I0_;
  double b_ = 0.0, one_minus_b_ = 1.0, ln_one_minus_b_ = 0.0;
  double db_[3] = {0.0, 0.0, 0.0};
};

}  // namespace polychrome
