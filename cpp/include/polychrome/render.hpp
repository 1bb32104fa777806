// Rendering entry point for any of the built-in radial profiles, chosen at
// run time. The profile-specific code is compiled once per profile in
// render.cpp; callers (bindings, benchmarks) need not see the engine.
#pragma once

#include <variant>

#include "polychrome/ellipse.hpp"
#include "polychrome/pixel_grid.hpp"
#include "polychrome/profiles/edgeon.hpp"
#include "polychrome/profiles/exponential.hpp"
#include "polychrome/profiles/ferrer.hpp"
#include "polychrome/profiles/gaussian.hpp"
#include "polychrome/profiles/king.hpp"
#include "polychrome/profiles/moffat.hpp"
#include "polychrome/profiles/nuker.hpp"
#include "polychrome/profiles/sersic.hpp"
#include "polychrome/profiles/spline.hpp"
#include "polychrome/render_options.hpp"
#include "polychrome/sector_profile.hpp"
#include "polychrome/shaped_profile.hpp"
#include "polychrome/variant_concat.hpp"

namespace polychrome {

/// Every profile the renderer takes: the radial ones (each truncated or not, see shaped_profile.hpp),
/// then those on other isophotes, in angular segments, and the edge-on disk.
using AnyProfile = VariantAppend<RadialProfile, ShapedProfile, SectorProfile, EdgeOnDiskProfile>::type;

/// Number of Jacobian columns for this profile: 4 geometric + its own.
int jacobian_size(const AnyProfile& profile);

/// True when the profile's last parameter is log10 of an amplitude (Sersic Ie, Gaussian I0, ...):
/// its Jacobian column is then ln(10) times the image, also after a (linear) PSF convolution.
bool last_parameter_scales_image(const AnyProfile& profile);

/// Render into image[ny*nx] (flux per pixel) and, if jac != nullptr, into
/// jac[jacobian_size * ny * nx]. Validates the ellipse and grid and throws
/// std::invalid_argument on bad values.
void render(const PixelGrid& grid, const Ellipse& ellipse, const AnyProfile& profile,
            const RenderOptions& options, double* image, double* jac);

}  // namespace polychrome
