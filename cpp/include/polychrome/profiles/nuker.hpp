// Nuker profile (Lauer et al. 1995), a double power law:
//   I(r) = Ib 2^((beta - gamma)/alpha) (r/Rb)^-gamma [1 + (r/Rb)^alpha]^((gamma - beta)/alpha).
// Parameters: Rb (break radius, arcsec), alpha (sharpness of the break),
// beta (outer log-log slope), gamma (inner log-log slope, in [-2, 1.9]: below 2
// so that the light inside any radius is finite; a cusp for gamma > 0, a core
// for gamma = 0, and for gamma < 0 a central hole, I rising as r^-gamma from 0
// at the centre, as AutoProf allows), Ib (log10 of the surface brightness at
// Rb, flux/arcsec^2).
//
// With t = ln(r/Rb), s = e^(alpha t) and u = s / (1 + s), the log-log slope is
// m(t) = -gamma - (beta - gamma) u, dm/dt = -(beta - gamma) alpha u (1 - u), and
// the radial derivatives of L = ln I follow from r^k d^kL/dr^k as sums of m and
// its t-derivatives.
#pragma once

#include <algorithm>
#include <cmath>

#include "polychrome/fast_math.hpp"
#include "polychrome/inline.hpp"
#include "polychrome/profile.hpp"

namespace polychrome {

class NukerProfile {
 public:
  static constexpr int kNumParams = 5;
  static constexpr int kMaxParams = kNumParams;
  static constexpr bool kHasEnclosedLight = true;
  // The last parameter is log10 of an amplitude: its Jacobian column is ln 10 times the image.
  static constexpr bool kLastScalesImage = true;
  /// The range of the inner slope gamma.
  static constexpr double kMinGamma = -2.0;
  static constexpr double kMaxGamma = 1.9;

  NukerProfile(double Rb, double alpha, double beta, double gamma, double log10_Ib)
      : Rb_(Rb), ln_Rb_(std::log(Rb)), alpha_(alpha), beta_(beta), gamma_(gamma),
        inv_alpha_(1.0 / alpha), ln_Ib_(kLn10 * log10_Ib) {
    require_positive(Rb, "Rb");
    require_in_range(alpha, 0.1, 10.0, "alpha");
    require_in_range(beta, 0.0, 10.0, "beta");
    require_in_range(gamma, kMinGamma, kMaxGamma, "gamma");
    require_finite(log10_Ib, "Ib");
    ln_A_ = ln_Ib_ + (beta - gamma) * inv_alpha_ * kLn2;
  }

  int num_params() const { return kNumParams; }
  /// The size parameter (arcsec), and the names of the size and brightness parameters.
  double size() const { return Rb_; }
  static constexpr const char* kSizeName = "Rb";
  static constexpr const char* kBrightnessName = "Ib";
  /// The largest ln I(r) for the faint floor: ln I(0) for a core (gamma = 0);
  /// with a cusp (gamma > 0, I(0) infinite), ln Ib: the brightness at Rb,
  /// which any pixel within Rb of the centre exceeds, so that the faint floor
  /// (a fraction of it) errs towards more accuracy; with a central hole
  /// (gamma < 0) the maximum of the ring, where the slope m(t) vanishes:
  /// s = -gamma / beta, or ln A, the limit at large r, when beta = 0.
  double log_peak() const {
    if (gamma_ > 0.0) return ln_Ib_;
    if (gamma_ == 0.0 || beta_ == 0.0) return ln_A_;
    const double s = -gamma_ / beta_;
    return ln_A_ - gamma_ * inv_alpha_ * std::log(s) + (gamma_ - beta_) * inv_alpha_ * std::log1p(s);
  }

  POLYCHROME_INLINE void eval(const Radius& rad, LogDerivatives& o) const {
    const double t = rad.log_r - ln_Rb_;
    const double s = fast_exp(alpha_ * t);
    const double u = s / (1.0 + s);
    const double k = gamma_ - beta_;
    const double v = u * (1.0 - u);
    const double m = -gamma_ + k * u;
    const double m1 = k * alpha_ * v;
    const double m2 = m1 * alpha_ * (1.0 - 2.0 * u);
    const double m3 = m1 * alpha_ * alpha_ * (1.0 - 6.0 * v);
    const double rho = rad.rho;
    const double rho2 = rho * rho;
    o.L = ln_A_ - gamma_ * t + k * inv_alpha_ * log1p_of(s);
    o.L1 = m * rho;
    o.L2 = (m1 - m) * rho2;
    o.L3 = (m2 - 3.0 * m1 + 2.0 * m) * rho2 * rho;
    o.L4 = (m3 - 6.0 * m2 + 11.0 * m1 - 6.0 * m) * rho2 * rho2;
  }

  POLYCHROME_INLINE void eval_with_params(const Radius& rad, LogDerivatives& o, double* dL,
                                          double* dL1, double* dL2) const {
    eval(rad, o);
    const double t = rad.log_r - ln_Rb_;
    const double s = fast_exp(alpha_ * t);
    const double u = s / (1.0 + s);
    const double v = u * (1.0 - u);
    const double k = gamma_ - beta_;
    const double m = -gamma_ + k * u;
    const double m1 = k * alpha_ * v;
    const double m2 = m1 * alpha_ * (1.0 - 2.0 * u);
    const double l1s = log1p_of(s);
    const double rho = rad.rho;
    const double rho2 = rho * rho;
    // A parameter p moves m by dm and m1 = dm/dt by dm1: dL1 = dm rho, dL2 = (dm1 - dm) rho^2.
    auto slopes = [&](int p, double dm, double dm1) __attribute__((always_inline)) {
      dL1[p] = dm * rho;
      dL2[p] = (dm1 - dm) * rho2;
    };
    // Rb: t moves by -1/Rb
    const double inv_Rb = 1.0 / Rb_;
    dL[0] = -m * inv_Rb;
    slopes(0, -m1 * inv_Rb, -m2 * inv_Rb);
    // alpha: through 2^(..), the exponent of [1 + s] and u (du/dalpha = v t)
    const double ia2 = inv_alpha_ * inv_alpha_;
    dL[1] = k * ia2 * (kLn2 - l1s) + k * inv_alpha_ * u * t;
    slopes(1, k * v * t, k * v * (1.0 + alpha_ * (1.0 - 2.0 * u) * t));
    // beta
    dL[2] = inv_alpha_ * (kLn2 - l1s);
    slopes(2, -u, -alpha_ * v);
    // gamma
    dL[3] = -inv_alpha_ * (kLn2 - l1s) - t;
    slopes(3, u - 1.0, alpha_ * v);
    // Ib (log10)
    dL[4] = kLn10;
    dL1[4] = 0.0;
    dL2[4] = 0.0;
  }

  /// Enclosed light F(R) = int_0^R I(r) r dr and dF/dp for Rb, alpha, beta,
  /// gamma, Ib. Below eps the profile is its inner power law's two leading
  /// terms, A x^-gamma [1 + c x^alpha] (x = r/Rb, c = (gamma - beta)/alpha),
  /// integrated exactly (the next term is below 1e-16 of them there); above,
  /// 8-point Gauss-Legendre on each octave [a, 2a] up to R, where r I(r) is
  /// a power law times a smooth factor (~1e-13 relative a piece). The pieces
  /// and eps do not depend on the parameters, so dF/dp is the same sums of
  /// dI/dp.
  void enclosed(double R, double* F, double* dF) const {
    for (int p = 0; p < kNumParams; ++p) dF[p] = 0.0;
    *F = 0.0;
    if (!(R > 0.0)) return;
    // eps: x^alpha <= 1e-8 (the dropped term ~ x^(2 alpha) <= 1e-16), and at
    // most kMaxOctaves octaves below R
    const double eps = std::max(std::min(R, Rb_ * std::pow(1e-8, inv_alpha_)), R * std::ldexp(1.0, -kMaxOctaves));
    inner_terms(eps, F, dF);
    LogDerivatives d{};
    double dL[kNumParams], dL1[kNumParams], dL2[kNumParams];
    for (double a = eps; a < R;) {
      const double b = std::min(2.0 * a, R);
      const double mid = 0.5 * (a + b), half = 0.5 * (b - a);
      for (int k = 0; k < kGaussNodes; ++k) {
        const double r = mid + half * kGaussX[k];
        const Radius rad{r * r, r, 1.0 / r, std::log(r)};
        eval_with_params(rad, d, dL, dL1, dL2);
        const double w = half * kGaussW[k] * r * std::exp(d.L);
        *F += w;
        for (int p = 0; p < kNumParams; ++p) dF[p] += w * dL[p];
      }
      a = b;
    }
  }

 private:
  // F(eps) of A x^-gamma (1 + c x^alpha) and its derivatives (eps held fixed).
  void inner_terms(double eps, double* F, double* dF) const {
    const double tau = std::log(eps) - ln_Rb_;  // ln(eps / Rb)
    const double c = (gamma_ - beta_) * inv_alpha_;
    const double e0 = 2.0 - gamma_, e1 = 2.0 - gamma_ + alpha_;
    const double scale = std::exp(ln_A_ + 2.0 * ln_Rb_);  // A Rb^2
    const double K0 = scale * std::exp(e0 * tau) / e0;     // int_0^eps A (r/Rb)^-gamma r dr
    const double K1 = scale * std::exp(e1 * tau) / e1;     // ... times (r/Rb)^alpha
    const double T0 = K0, T1 = c * K1;
    *F += T0 + T1;
    const double ln2_a = kLn2 * inv_alpha_;
    // Rb (eps fixed): A Rb^2 (eps/Rb)^e = A Rb^(2 - e) eps^e
    dF[0] += (gamma_ * T0 + (gamma_ - alpha_) * T1) / Rb_;
    // alpha: ln A moves by -(beta - gamma) ln2 / alpha^2 = c ln2 / alpha; c by -c/alpha; e1 by 1
    dF[1] += c * ln2_a * (T0 + T1) - T1 * inv_alpha_ + T1 * (tau - 1.0 / e1);
    // beta: ln A by ln2 / alpha; c by -1/alpha
    dF[2] += ln2_a * (T0 + T1) - inv_alpha_ * K1;
    // gamma: ln A by -ln2 / alpha; e0 and e1 by -1; c by 1/alpha
    dF[3] += -ln2_a * (T0 + T1) + T0 * (1.0 / e0 - tau) + T1 * (1.0 / e1 - tau) + inv_alpha_ * K1;
    // Ib (log10)
    dF[4] += kLn10 * (T0 + T1);
  }

  // ln(1 + s) for s >= 0: log1p accuracy where s is small, vectorisable.
  static POLYCHROME_INLINE double log1p_of(double s) {
    const double w = 1.0 + s;
    // the rounding of 1 + s corrected to first order (Goldberg's trick, branch-free)
    const double c = (w - 1.0) - s;
    return fast_log(w) - c / w;
  }

  static constexpr double kLn2 = 0.69314718055994530942;
  // The octaves below R covered by quadrature at most (eps is at least R 2^-kMaxOctaves).
  static constexpr int kMaxOctaves = 120;
  static constexpr int kGaussNodes = 8;
  static constexpr double kGaussX[kGaussNodes] = {
      -0.9602898564975362316835609, -0.7966664774136267395915539, -0.5255324099163289858177390,
      -0.1834346424956498049394761, 0.1834346424956498049394761,  0.5255324099163289858177390,
      0.7966664774136267395915539,  0.9602898564975362316835609};
  static constexpr double kGaussW[kGaussNodes] = {
      0.1012285362903762591525314, 0.2223810344533744705443560, 0.3137066458778872873379622,
      0.3626837833783619829651504, 0.3626837833783619829651504, 0.3137066458778872873379622,
      0.2223810344533744705443560, 0.1012285362903762591525314};

  double Rb_, ln_Rb_, alpha_, beta_, gamma_, inv_alpha_, ln_Ib_;
  double ln_A_ = 0.0;  // ln(Ib 2^((beta - gamma)/alpha))
};

}  // namespace polychrome
