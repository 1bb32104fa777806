#include "polychrome/radius_order.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

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
  // (radius, position) pairs sorted as pairs: ties by position, and no indirect loads in the
  // comparisons (measured on a 61 x 61 window, ~2300 radii within reach: 317k instructions,
  // against 381k for a radix sort of the radii's bit patterns)
  std::vector<std::pair<double, std::int64_t>> inside;
  for (std::size_t i = 0; i < count; ++i)
    if (radius[i] <= reach) inside.emplace_back(radius[i], static_cast<std::int64_t>(i));
  std::sort(inside.begin(), inside.end());
  RadiusOrder result;
  result.order.reserve(inside.size());
  for (std::size_t k = 0; k < inside.size(); ++k) {
    result.order.push_back(inside[k].second);
    if (k > 0 && inside[k].first == inside[k - 1].first) result.ties = true;
  }
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
