#include "polychrome/psf_image.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>
#include <string>

namespace polychrome {

namespace {

// A sum below this fraction of the absolute sum is indistinguishable from a
// zero-sum PSF (e.g. a residual or a difference of two PSFs) after rounding.
constexpr double kMinRelativeSum = 1e-8;

std::string number_text(double v) {
  std::ostringstream text;
  text << v;  // %g-style: a tiny sum must not print as 0.000000
  return text.str();
}

std::string shape_text(int ny, int nx) {
  return "(" + std::to_string(ny) + ", " + std::to_string(nx) + ")";
}

}  // namespace

PsfImage::PsfImage(const double* values, int ny, int nx) : PsfImage(values, ny, nx, true) {}

PsfImage PsfImage::already_normalised(const double* values, int ny, int nx) {
  return PsfImage(values, ny, nx, false);
}

PsfImage::PsfImage(const double* values, int ny, int nx, bool normalise) : ny_(ny), nx_(nx) {
  if (ny < 1 || nx < 1 || ny % 2 == 0 || nx % 2 == 0)
    throw std::invalid_argument("psf must have odd sizes (its centre is pixel (ny//2, nx//2)), got shape " +
                                shape_text(ny, nx));
  const std::size_t count = static_cast<std::size_t>(ny) * static_cast<std::size_t>(nx);
  double sum = 0.0, abs_sum = 0.0;
  for (std::size_t k = 0; k < count; ++k) {
    if (!std::isfinite(values[k]))
      throw std::invalid_argument("psf must be finite; pixel (" + std::to_string(k / nx) + ", " +
                                  std::to_string(k % nx) + ") is " + number_text(values[k]));
    sum += values[k];
    abs_sum += std::abs(values[k]);
  }
  if (!(sum > kMinRelativeSum * abs_sum) || !(sum > 0.0))
    throw std::invalid_argument("psf must have a positive sum (it is normalised to 1), got sum " +
                                number_text(sum));
  values_.assign(values, values + count);
  if (normalise)
    for (double& v : values_) v /= sum;
}

}  // namespace polychrome
