// The parameter ranges the renderer accepts. Inside them every render is
// finite and meets the stated accuracy; outside them render() throws
// std::invalid_argument naming the parameter, its units and its range.
// Sizes and the centre are bounded in pixels (the engine's own scale), so a
// model's limits in arcsec map into them for any realistic pixel scale.
#pragma once

#include "polychrome/ellipse.hpp"
#include "polychrome/pixel_grid.hpp"
#include "polychrome/render.hpp"

namespace polychrome {

/// Smallest axis ratio q = b/a, also of the ellipse as it lies on the pixel
/// grid (non-square or sheared pixels make it flatter or rounder). Measured
/// against exact pixel integrals (Sersic n 0.5-6, Re 0.5-10 px, random centre
/// and PA, 40x40 px, default tolerance): worst pixel above 1e-4 of the peak
/// 6.5e-5 relative at q = 0.03, 1.4e-5 at q >= 0.1; total flux within 1e-5.
/// Below q ~ 3e-4 the adaptive subdivision no longer resolves the profile.
constexpr double kMinAxisRatio = 0.03;

/// Size parameters (Re, sigma, Rd) in pixels (square root of the pixel
/// area). A size far below a pixel is in effect a point source: the pixel
/// holding the centre is integrated exactly, so its flux stays right.
constexpr double kMinSizePixels = 1e-12;
constexpr double kMaxSizePixels = 1e12;

/// Largest |log10| of the profile's peak per pixel (peak surface brightness
/// times the pixel area, flux): beyond it the image or its Jacobian leaves
/// the range of doubles.
constexpr double kMaxLog10PixelPeak = 200.0;

/// Largest distance of the centre from the image, pixels.
constexpr double kMaxCenterDistancePixels = 1e9;

/// Pixel size (square root of the pixel area) range, arcsec.
constexpr double kMinPixelSize = 1e-30;
constexpr double kMaxPixelSize = 1e30;

/// Throws std::invalid_argument unless the grid, ellipse and profile lie in
/// the ranges above (the grid and ellipse must already be finite and valid).
void check_render_ranges(const PixelGrid& grid, const Ellipse& ellipse, const AnyProfile& profile);

}  // namespace polychrome
