// A radial profile with a smooth truncation (AstroPhot 0.18's "truncated" models):
//     outer: I(r) = I_P(r) (1 - tanh(St (r - Rt))) / 2 = I_P(r) / (1 + exp(2 St (r - Rt)))
//     inner: I(r) = I_P(r) (1 + tanh(St (r - Rt))) / 2 = I_P(r) / (1 + exp(-2 St (r - Rt)))
// Parameters: the profile P's, then Rt (truncation radius, arcsec) and St (sharpness, 1/arcsec:
// the light falls from 88% to 12% of the untruncated profile over 2 / St arcsec around Rt).
//
// In ln I the truncation adds ln T = -softplus(z), z = k (r - Rt), k = +-2 St (+ outer, - inner),
// whose radial derivatives are -k s, -k^2 p, -k^3 p (1 - 2 s), -k^4 p (1 - 6 p) with s the logistic
// sigmoid of z and p = s (1 - s): exact derivatives to the fourth, so the engine's a-priori error
// estimate and its Taylor-validity test (a small second-order correction) see the truncation's
// curvature, and a truncation sharp on the pixel scale is refined until its cells resolve it.
#pragma once

#include <algorithm>
#include <cmath>
#include <utility>

#include "polychrome/fast_math.hpp"
#include "polychrome/inline.hpp"
#include "polychrome/profile.hpp"

namespace polychrome {

/// Which side of Rt is cut away.
enum class TruncationSide { kOuter, kInner };

/// ln T(r) and its first four radial derivatives, and the pieces of the parameter derivatives.
struct TruncationTerms {
  double L, L1, L2, L3, L4;
  double s, p, z;  ///< sigmoid(z), s (1 - s), z = k (r - Rt)
};

template <class P>
class TruncatedProfile {
  static constexpr double kPi = 3.14159265358979323846;
  // |k| reach below which the truncation is smooth on a cell's scale (enclosed_resolves).
  static constexpr double kSmoothReach = 4.0;
  // Widths 1 / |k| from Rt beyond which T(1 - T) < 1e-34: the truncation's slope is nil there.
  static constexpr double kNegligibleSpan = 40.0;
  // 8-point Gauss-Legendre on [-1, 1], positive half.
  static constexpr double kGaussNodes8[4] = {0.1834346424956497800806687, 0.5255324099163289908176466,
                                             0.7966664774136267279658341, 0.9602898564975361761497652};
  static constexpr double kGaussWeights8[4] = {0.3626837833783616571459163, 0.3137066458778868804913031,
                                               0.2223810344533744265405062, 0.1012285362903770635778500};

 public:
  static constexpr int kMaxParams = P::kMaxParams + 2;
  // Enclosed light where P has it (see enclosed()), used for the pixel holding the centre where the
  // truncation is smooth or negligible on its scale (enclosed_resolves); elsewhere that pixel is
  // integrated by subdivision (the engine's a-posteriori cells).
  static constexpr bool kHasEnclosedLight = P::kHasEnclosedLight;
  static constexpr bool kHasEdge = HasEdge<P>::value;  // the edge is P's (profile.hpp)
  static constexpr bool kLastScalesImage = false;  // the last parameter is St
  static constexpr const char* kSizeName = P::kSizeName;
  static constexpr const char* kBrightnessName = P::kBrightnessName;

  /// Rt: truncation radius (arcsec, > 0); St: sharpness (1/arcsec, > 0).
  TruncatedProfile(P profile, double Rt, double St, TruncationSide side)
      : profile_(std::move(profile)), Rt_(Rt), St_(St), inv_St_(1.0 / St),
        k_(side == TruncationSide::kOuter ? 2.0 * St : -2.0 * St), side_(side),
        pole_offset2_((kPi / (2.0 * St)) * (kPi / (2.0 * St))) {
    require_positive(Rt, "Rt");
    require_positive(St, "St");
    log_peak_ = find_log_peak();
  }

  int num_params() const { return profile_.num_params() + 2; }
  /// The untruncated profile's size (arcsec; 0 for a spline): the scale its centre must be resolved at.
  double size() const { return profile_.size(); }
  double truncation_radius() const { return Rt_; }
  double sharpness() const { return St_; }
  TruncationSide side() const { return side_; }
  const P& untruncated() const { return profile_; }
  /// ln of the largest surface brightness (flux/arcsec^2).
  double log_peak() const { return log_peak_; }

  /// Whether enclosed() serves the polar quadrature of a cell reaching ``reach`` arcsec (elliptical
  /// radius) from the centre: the truncation smooth on that scale (|k| reach <= kSmoothReach, so that
  /// F(R) is as smooth along the cell's edges as P's), or, outer, negligible there (Rt beyond reach
  /// by kNegligibleSpan widths: T = T(0) to 1e-17).
  POLYCHROME_INLINE bool enclosed_resolves(double reach) const {
    const double width = 1.0 / std::abs(k_);
    return reach <= kSmoothReach * width ||
           (side_ == TruncationSide::kOuter && Rt_ - reach >= kNegligibleSpan * width);
  }

  /// Enclosed light F(R) = int_0^R I_P(r) T(r) r dr and dF/dp (P's parameters, Rt, St), by parts:
  /// T(R) F_P(R) + int_0^R w(r) F_P(r) dr with w = -dT/dr = k s T, a bell kNegligibleSpan widths
  /// wide either side of Rt, integrated by 8-point Gauss-Legendre panels one width 1 / |k| long (the
  /// sigmoid's poles lie pi widths off the axis: ~1e-13 relative per panel). Only P with enclosed light.
  void enclosed(double R, double* F, double* dF) const {
    const int n = profile_.num_params();
    double Fp = 0.0;
    double dFp[P::kMaxParams];
    profile_.enclosed(R, &Fp, dFp);
    const TruncationTerms tR = terms(R);
    const double T = std::exp(tR.L);
    *F = T * Fp;
    for (int q = 0; q < n; ++q) dF[q] = T * dFp[q];
    dF[n] = T * k_ * tR.s * Fp;
    dF[n + 1] = -T * tR.s * tR.z * inv_St_ * Fp;
    const double width = 1.0 / std::abs(k_);
    const double a = std::max(0.0, Rt_ - kNegligibleSpan * width);
    const double b = std::min(R, Rt_ + kNegligibleSpan * width);
    if (!(b > a)) return;
    const int panels = static_cast<int>(std::ceil((b - a) / width));
    const double half = 0.5 * (b - a) / panels;
    for (int m = 0; m < panels; ++m) {
      const double centre = a + (2 * m + 1) * half;
      for (int j = 0; j < 8; ++j) {
        const double x = j < 4 ? -kGaussNodes8[j] : kGaussNodes8[j - 4];
        const double weight = half * kGaussWeights8[j & 3];
        const double r = centre + half * x;
        double Fr = 0.0;
        double dFr[P::kMaxParams];
        profile_.enclosed(r, &Fr, dFr);
        const TruncationTerms t = terms(r);
        const double w = weight * std::exp(t.L) * k_ * t.s;  // -dT/dr times the node's weight
        *F += w * Fr;
        for (int q = 0; q < n; ++q) dF[q] += w * dFr[q];
        dF[n] += w * k_ * (2.0 * t.s - 1.0) * Fr;                // dw/dRt = w k (2 s - 1)
        dF[n + 1] += w * inv_St_ * (1.0 + t.z * (1.0 - 2.0 * t.s)) * Fr;  // dw/dSt
      }
    }
  }

  /// Squared distance (arcsec^2) from radius r to the truncation's nearest pole in the complex r
  /// plane, Rt +- i pi / |k|: the Taylor series of ln T about r converges within it.
  /// A profile P with singularities of its own (a compact profile's edge): the nearest of both.
  POLYCHROME_INLINE double singular_distance2(double r) const {
    const double d = r - Rt_;
    const double own = d * d + pole_offset2_;
    if constexpr (HasSingularities<P>::value) {
      const double theirs = profile_.singular_distance2(r);
      return theirs < own ? theirs : own;
    } else {
      return own;
    }
  }

  /// For P with an edge (profile.hpp, HasEdge; the engines call it only then): P's bound within
  /// reach of r, the truncation's factor (at most 1) bounded by 1.
  POLYCHROME_INLINE double log_max_within(double r, double reach) const {
    return profile_.log_max_within(r, reach);
  }

  POLYCHROME_INLINE TruncationTerms terms(double r) const {
    const double z = k_ * (r - Rt_);
    const double e = fast_exp(-std::abs(z));  // in (0, 1]
    const double inv = 1.0 / (1.0 + e);
    const bool up = z >= 0.0;
    const double s = (up ? 1.0 : e) * inv;
    const double p = s * ((up ? e : 1.0) * inv);
    const double k2 = k_ * k_;
    TruncationTerms t;
    t.L = -(std::max(z, 0.0) + fast_log(1.0 + e));
    t.L1 = -k_ * s;
    t.L2 = -k2 * p;
    t.L3 = -k2 * k_ * p * (1.0 - 2.0 * s);
    t.L4 = -k2 * k2 * p * (1.0 - 6.0 * p);
    t.s = s;
    t.p = p;
    t.z = z;
    return t;
  }

  POLYCHROME_INLINE void eval(const Radius& rad, LogDerivatives& o) const {
    profile_.eval(rad, o);
    add(terms(rad.r), o);
  }

  POLYCHROME_INLINE void eval_with_params(const Radius& rad, LogDerivatives& o, double* dL, double* dL1,
                                          double* dL2) const {
    profile_.eval_with_params(rad, o, dL, dL1, dL2);
    const TruncationTerms t = terms(rad.r);
    add(t, o);
    const int n = profile_.num_params();
    const double k2 = k_ * k_;
    // d/dRt (dz/dRt = -k)
    dL[n] = k_ * t.s;
    dL1[n] = k2 * t.p;
    dL2[n] = k2 * k_ * t.p * (1.0 - 2.0 * t.s);
    // d/dSt (dz/dSt = z / St, dk/dSt = k / St)
    dL[n + 1] = -t.s * t.z * inv_St_;
    dL1[n + 1] = -k_ * inv_St_ * (t.s + t.p * t.z);
    dL2[n + 1] = -k2 * t.p * inv_St_ * (2.0 + (1.0 - 2.0 * t.s) * t.z);
  }

 private:
  static POLYCHROME_INLINE void add(const TruncationTerms& t, LogDerivatives& o) {
    o.L += t.L;
    o.L1 += t.L1;
    o.L2 += t.L2;
    o.L3 += t.L3;
    o.L4 += t.L4;
  }

  // Outer: P's peak times T(0), an upper bound (exact for a profile falling from its centre). Inner:
  // the peak moves out towards Rt; the largest of that bound-at-the-centre and of samples out to
  // well past Rt, the samples spaced finer than the truncation's width and P's size.
  double find_log_peak() const {
    const double at_centre = profile_.log_peak() + terms(0.0).L;
    if (side_ == TruncationSide::kOuter) return at_centre;
    double best = at_centre;
    const double reach = Rt_ + 40.0 / std::abs(k_);
    constexpr int kSamples = 512;
    for (int i = 1; i <= kSamples; ++i) {
      const double r = reach * i / kSamples;
      const Radius rad{r * r, r, 1.0 / r, std::log(r)};
      LogDerivatives d{};
      eval(rad, d);
      if (std::isfinite(d.L)) best = std::max(best, d.L);
    }
    return best;
  }

  P profile_;
  double Rt_, St_, inv_St_, k_;
  TruncationSide side_;
  double pole_offset2_;  // (pi / |k|)^2, arcsec^2
  double log_peak_ = 0.0;
};

/// The engine asks before integrating the pixel holding the centre by enclosed light (profile.hpp).
template <class P>
POLYCHROME_INLINE bool enclosed_light_applies(const TruncatedProfile<P>& profile, double reach) {
  return profile.enclosed_resolves(reach) && enclosed_light_applies(profile.untruncated(), reach);
}

}  // namespace polychrome
