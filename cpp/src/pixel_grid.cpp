#include "polychrome/pixel_grid.hpp"

#include <stdexcept>

#include "polychrome/profile.hpp"

namespace polychrome {

void PixelGrid::validate() const {
  if (nx < 0 || ny < 0) throw std::invalid_argument("image shape must be non-negative");
  require_finite(origin_x, "origin[0]");
  require_finite(origin_y, "origin[1]");
  for (const auto& row : P)
    for (double v : row) require_finite(v, "pixelscale");
  if (!(area() > 0.0)) throw std::invalid_argument("pixelscale matrix must be non-singular");
}

}  // namespace polychrome
