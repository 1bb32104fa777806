// A radial profile on isophotes of another shape than the ellipse (a
// superellipse, Fourier modes): I(R(w)), R from the shape (isophotes.hpp).
// Parameters, in Jacobian order: x, y, q, PA, the radial profile's, the shape's.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "polychrome/ellipse.hpp"
#include "polychrome/isophotes.hpp"
#include "polychrome/pixel_grid.hpp"
#include "polychrome/profiles/exponential.hpp"
#include "polychrome/profiles/ferrer.hpp"
#include "polychrome/profiles/gaussian.hpp"
#include "polychrome/profiles/king.hpp"
#include "polychrome/profiles/moffat.hpp"
#include "polychrome/profiles/nuker.hpp"
#include "polychrome/profiles/sersic.hpp"
#include "polychrome/profiles/spline.hpp"
#include "polychrome/profiles/truncated.hpp"
#include "polychrome/render_options.hpp"
#include "polychrome/variant_concat.hpp"

namespace polychrome {

/// The radial profiles as they are defined (profiles/*.hpp).
using UntruncatedProfile =
    std::variant<SersicProfile, ExponentialProfile, GaussianProfile, MoffatProfile, SplineProfile, NukerProfile,
                 FerrerProfile, KingProfile>;

/// Every radial profile: the untruncated ones, then each with a truncation (profiles/truncated.hpp).
using RadialProfile = VariantWithWrapped<UntruncatedProfile, TruncatedProfile>::type;

struct ShapedProfile {
  static constexpr bool kLastScalesImage = false;  // the last parameters are the shape's
  static constexpr bool kHasEnclosedLight = false;

  RadialProfile radial;
  AnyIsophote isophote;

  int radial_params() const {
    return std::visit([](const auto& p) { return p.num_params(); }, radial);
  }
  int shape_params() const {
    return std::visit([](const auto& s) { return s.num_params(); }, isophote);
  }
  int num_params() const { return radial_params() + shape_params(); }
};

// Rendered by render() (see render.hpp) with every pixel integrated by 2x2
// Gauss-Legendre cells split 2x2 until the children's sum agrees with the
// parent's value within the pixel's budget (the a-posteriori rule: the shape
// has no radial Taylor expansion), and, near a centre smaller than the cell,
// until the cells resolve the profile's size. The Jacobian is the same
// quadrature of the derivatives. The renderer is compiled once per CPU level:
// cpp/src/kernels/shaped_render.cpp.

}  // namespace polychrome
