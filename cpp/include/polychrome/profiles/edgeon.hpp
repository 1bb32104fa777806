// The edge-on isothermal disk (van der Kruit & Searle 1981) seen exactly edge-on:
//   I(x', y') = I0 (|x'| / rs) K1(|x'| / rs) sech^2(y' / hs)
// with (x', y') the plane offsets (arcsec) from the centre rotated by -PA: x' along the disk's
// major axis (PA, counter-clockwise from +x), y' perpendicular to it; K1 the modified Bessel
// function of the second kind. s K1(s) -> 1 as s -> 0: I0 is the central surface brightness.
// Parameters, in Jacobian order after x, y, q, PA: hs (scale height, arcsec), rs (scale
// length, arcsec), I0 (log10 of the central surface brightness, flux/arcsec^2). Not a function
// of the elliptical radius: q is not used (its Jacobian column is zero) and the disk is rendered
// by its own renderer (cpp/src/kernels/edgeon_render.cpp), which integrates the sech^2 factor
// across each pixel analytically (sech2_integrals.hpp) and the radial factor below numerically.
#pragma once

#include <algorithm>
#include <cmath>

#include "polychrome/bessel_k.hpp"
#include "polychrome/inline.hpp"
#include "polychrome/profile.hpp"

namespace polychrome {

/// The radial factor g = s K1(s), s = |x'| / rs, with dg/dx' (1/arcsec) and dg/drs (1/arcsec).
struct EdgeOnRadial {
  double g, dg_dx, dg_drs;
};

class EdgeOnDiskProfile {
 public:
  static constexpr int kNumParams = 3;
  static constexpr int kMaxParams = kNumParams;
  static constexpr bool kHasEnclosedLight = false;
  // The last parameter is log10 of an amplitude: its Jacobian column is ln 10 times the image.
  static constexpr bool kLastScalesImage = true;
  static constexpr const char* kBrightnessName = "I0";

  EdgeOnDiskProfile(double hs, double rs, double log10_I0)
      : hs_(hs), rs_(rs), inv_rs_(1.0 / rs), ln_I0_(kLn10 * log10_I0) {
    require_positive(hs, "hs");
    require_positive(rs, "rs");
    require_finite(log10_I0, "I0");
  }

  int num_params() const { return kNumParams; }
  double scale_height() const { return hs_; }
  double scale_length() const { return rs_; }
  /// ln of the largest surface brightness (at the centre), ln(flux/arcsec^2).
  double log_peak() const { return ln_I0_; }

  /// The radial factor at x' (arcsec) and its derivatives; 0 beyond s ~ 700 (underflow).
  POLYCHROME_INLINE EdgeOnRadial radial(double xp) const {
    const double s = std::max(std::abs(xp) * inv_rs_, kSmallestArgument);
    double k0 = 0.0, k1 = 0.0;
    bessel_k0_k1(s, k0, k1);
    const double sk0 = s * k0;  // -dg/ds
    return {s * k1, (xp < 0.0 ? sk0 : -sk0) * inv_rs_, s * sk0 * inv_rs_};
  }

 private:
  // s K1(s) = 1 to rounding below this; K1 itself overflows at 0.
  static constexpr double kSmallestArgument = 1e-300;

  double hs_, rs_, inv_rs_, ln_I0_;
};

}  // namespace polychrome
