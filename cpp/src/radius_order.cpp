#include "polychrome/radius_order.hpp"

#include <cmath>

#include "polychrome/radix_sort.hpp"

namespace polychrome::initialization {

void elliptical_radii(const double* dx, const double* dy, std::size_t count, double q, double PA, double* radius) {
  const double c = std::cos(PA), s = std::sin(PA);
  for (std::size_t i = 0; i < count; ++i) {
    const double along = dx[i] * c + dy[i] * s;
    const double across = (-dx[i] * s + dy[i] * c) / q;
    radius[i] = std::sqrt(along * along + across * across);
  }
}

RadiusOrder radius_order(const double* radius, std::size_t count, double reach) {
  RadiusOrder result;
  for (std::size_t i = 0; i < count; ++i)
    if (radius[i] <= reach) result.order.push_back(static_cast<std::int64_t>(i));
  sort_positions_by_value(radius, result.order);  // stable: ties by position
  for (std::size_t k = 1; k < result.order.size() && !result.ties; ++k)
    result.ties = radius[result.order[k]] == radius[result.order[k - 1]];
  return result;
}

void ordered_moment_sums(const std::int64_t* order, std::size_t count, const double* flux, const double* dx,
                         const double* dy, double* sums) {
  double total = 0.0, xx = 0.0, yy = 0.0, xy = 0.0;
  for (std::size_t k = 0; k < count; ++k) {
    const std::int64_t i = order[k];
    const double w = flux[i], x = dx[i], y = dy[i];
    total += w;
    xx += x * x * w;
    yy += y * y * w;
    xy += x * y * w;
    sums[k] = total;
    sums[count + k] = xx;
    sums[2 * count + k] = yy;
    sums[3 * count + k] = xy;
  }
}

}  // namespace polychrome::initialization
