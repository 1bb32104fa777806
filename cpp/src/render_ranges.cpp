#include "polychrome/render_ranges.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <variant>

#include "polychrome/profile.hpp"

namespace polychrome {

namespace {

std::string number(double x) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", x);
  return text;
}

// Relative shortfall of the ellipse's axis ratio on the pixel grid below
// kMinAxisRatio that is let through: grids from a WCS (the affine fit of a
// tangent projection) are sheared by ~1e-8-1e-6, so a model at its lower
// q limit (0.03) would otherwise be refused on them; an ellipse 1e-4 flatter
// renders as accurately.
constexpr double kGridAxisRatioSlack = 1e-4;

void check_axis_ratio(const PixelGrid& grid, const Ellipse& e) {
  if (!(e.q >= kMinAxisRatio && e.q <= 1.0))
    throw std::invalid_argument("q must be in [" + number(kMinAxisRatio) + ", 1] (axis ratio b/a), got " +
                                number(e.q));
  // The ellipse on the pixel grid: singular values of the map from pixel to
  // circularised coordinates, AP = diag(1, 1/q) R(-PA) P.
  const EllipseGeometry geo(grid, e);
  const double frobenius2 = geo.tau;
  const double det = std::abs(geo.APaa * geo.APbb - geo.APab * geo.APba);
  const double largest2 = 0.5 * (frobenius2 + std::sqrt(std::max(frobenius2 * frobenius2 - 4.0 * det * det, 0.0)));
  const double on_grid = det / largest2;  // smallest / largest singular value
  if (!(on_grid >= kMinAxisRatio * (1.0 - kGridAxisRatioSlack)))
    throw std::invalid_argument("q = " + number(e.q) + " at PA = " + number(e.pa) +
                                " rad on this pixel grid (non-square or sheared pixels) is an ellipse of axis "
                                "ratio " + number(on_grid) + " in pixels; the renderer needs at least " +
                                number(kMinAxisRatio) + ": give squarer pixels or a rounder q");
}

void check_center(const PixelGrid& grid, const EllipseGeometry& geo) {
  const double dx = std::max({-geo.center_u, geo.center_u - grid.nx, 0.0});
  const double dy = std::max({-geo.center_v, geo.center_v - grid.ny, 0.0});
  if (!(std::hypot(dx, dy) <= kMaxCenterDistancePixels))
    throw std::invalid_argument("center (arcsec) is " + number(std::hypot(dx, dy)) +
                                " pixels from the image; it must lie within " + number(kMaxCenterDistancePixels) +
                                " pixels of it");
}

void check_size(double size, const char* name, double pixel) {
  if (!(size >= kMinSizePixels * pixel && size <= kMaxSizePixels * pixel))
    throw std::invalid_argument(std::string(name) + " (arcsec) must be between " + number(kMinSizePixels) +
                                " and " + number(kMaxSizePixels) + " pixels (" + number(kMinSizePixels * pixel) +
                                " to " + number(kMaxSizePixels * pixel) + " arcsec at this pixel scale), got " +
                                number(size));
}

template <class Profile>
void check_peak(const Profile& profile, double pixel) {
  const double log10_peak = profile.log_peak() / kLn10 + 2.0 * std::log10(pixel);
  if (!(std::abs(log10_peak) <= kMaxLog10PixelPeak))
    throw std::invalid_argument(
        std::string(Profile::kBrightnessName) + " (log10 of the surface brightness, flux/arcsec^2) gives a peak of 1e" +
        number(log10_peak) + " flux per pixel (pixel area " + number(pixel * pixel) +
        " arcsec^2); the renderer needs a peak between 1e-" + number(kMaxLog10PixelPeak) + " and 1e" +
        number(kMaxLog10PixelPeak) + " flux per pixel (is " + Profile::kBrightnessName + " a log10?)");
}

template <class Profile>
void check_profile(const Profile& profile, double pixel) {
  if (Profile::kSizeName != nullptr) check_size(profile.size(), Profile::kSizeName, pixel);
  check_peak(profile, pixel);
}

// A truncated profile: the untruncated one's ranges, the truncation radius as a size, and the
// truncation's width 1 / St (arcsec) within the sizes' range too.
template <class P>
void check_profile(const TruncatedProfile<P>& profile, double pixel) {
  check_profile(profile.untruncated(), pixel);
  check_size(profile.truncation_radius(), "Rt", pixel);
  const double width = 1.0 / profile.sharpness();
  if (!(width >= kMinSizePixels * pixel && width <= kMaxSizePixels * pixel))
    throw std::invalid_argument("St (1/arcsec: the truncation's sharpness) must be between " +
                                number(1.0 / (kMaxSizePixels * pixel)) + " and " +
                                number(1.0 / (kMinSizePixels * pixel)) + " per arcsec at this pixel scale, got " +
                                number(profile.sharpness()));
  check_peak(profile, pixel);
}

// The edge-on disk has two sizes.
void check_profile(const EdgeOnDiskProfile& profile, double pixel) {
  check_size(profile.scale_height(), "hs", pixel);
  check_size(profile.scale_length(), "rs", pixel);
  check_peak(profile, pixel);
}

void check_profile(const ShapedProfile& profile, double pixel) {
  std::visit([&](const auto& radial) { check_profile(radial, pixel); }, profile.radial);
}

void check_profile(const SectorProfile& profile, double pixel) {
  for (const UntruncatedProfile& segment : profile.segments)
    std::visit([&](const auto& radial) { check_profile(radial, pixel); }, segment);
}

}  // namespace

void check_render_ranges(const PixelGrid& grid, const Ellipse& ellipse, const AnyProfile& profile) {
  const double pixel = std::sqrt(grid.area());
  if (!(pixel >= kMinPixelSize && pixel <= kMaxPixelSize))
    throw std::invalid_argument("pixelscale: the pixel size (square root of its area) must be between " +
                                number(kMinPixelSize) + " and " + number(kMaxPixelSize) + " arcsec, got " +
                                number(pixel));
  check_axis_ratio(grid, ellipse);
  check_center(grid, EllipseGeometry(grid, ellipse));
  std::visit([&](const auto& p) { check_profile(p, pixel); }, profile);
}

}  // namespace polychrome
