#include "polychrome/radius_order.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
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

namespace {

using RadiusPosition = std::pair<double, std::int64_t>;

// A bucket of more pairs than this is sorted by std::sort, not by insertion (a bucket holds ~2
// pairs of a window's radii; many more only for radii bunched far below the reach).
constexpr std::size_t kInsertionLimit = 24;

// ``pairs`` sorted as pairs (by radius, ties by position), the same order as std::sort of all of
// them: the pairs are first spread over buckets by radius^2 (a window's pixels fill the area
// within the reach about evenly, so equal ranges of radius^2 hold about equal counts), whose
// order is the radii's (radius^2 x scale, rounded down, never decreases as the radius grows),
// then each bucket is sorted on its own. Measured on the isolated1 windows' radii (~1500 within
// reach): ~4x fewer instructions than std::sort of all the pairs (whose log2(n) passes of
// comparisons were initialize()'s largest core cost after the candidates' renders).
void sort_by_radius(std::vector<RadiusPosition>& pairs, double reach) {
  const std::size_t count = pairs.size();
  const std::size_t buckets = count / 2;
  const double scale = static_cast<double>(buckets) / (reach * reach);
  if (buckets < 8 || !(std::isfinite(scale) && scale > 0.0)) {
    std::sort(pairs.begin(), pairs.end());
    return;
  }
  const auto bucket_of = [&](double radius) {
    const double position = radius * radius * scale;  // radius <= reach: at most ~buckets
    return position < static_cast<double>(buckets - 1) ? static_cast<std::size_t>(position) : buckets - 1;
  };
  std::vector<std::size_t> start(buckets + 1, 0);
  for (const RadiusPosition& pair : pairs) ++start[bucket_of(pair.first) + 1];
  for (std::size_t b = 0; b < buckets; ++b) start[b + 1] += start[b];
  std::vector<RadiusPosition> spread(count);
  std::vector<std::size_t> next(start.begin(), start.end() - 1);
  for (const RadiusPosition& pair : pairs) spread[next[bucket_of(pair.first)]++] = pair;
  for (std::size_t b = 0; b < buckets; ++b) {
    const auto first = spread.begin() + static_cast<std::ptrdiff_t>(start[b]);
    const auto last = spread.begin() + static_cast<std::ptrdiff_t>(start[b + 1]);
    if (start[b + 1] - start[b] > kInsertionLimit) {
      std::sort(first, last);
      continue;
    }
    for (auto it = first + (first != last); it < last; ++it) {  // insertion sort of a few pairs
      const RadiusPosition pair = *it;
      auto hole = it;
      for (; hole != first && pair < *(hole - 1); --hole) *hole = *(hole - 1);
      *hole = pair;
    }
  }
  pairs.swap(spread);
}

}  // namespace

RadiusOrder radius_order(const double* radius, std::size_t count, double reach) {
  // (radius, position) pairs sorted as pairs: ties by position, and no indirect loads in the
  // comparisons (measured on a 61 x 61 window, ~2300 radii within reach: std::sort 317k
  // instructions, against 381k for a radix sort of the radii's bit patterns; sort_by_radius's
  // buckets fewer still)
  std::vector<RadiusPosition> inside;
  inside.reserve(count);
  for (std::size_t i = 0; i < count; ++i)
    if (radius[i] <= reach) inside.emplace_back(radius[i], static_cast<std::int64_t>(i));
  sort_by_radius(inside, reach);
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
