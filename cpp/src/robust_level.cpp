#include "polychrome/robust_level.hpp"

#include "polychrome/median_by_selection.hpp"
#include "polychrome/numpy_sum.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace polychrome::initialization {

namespace {

// The median of sorted values.
double sorted_median(const double* ordered, std::size_t count) {
  const std::size_t k = count / 2;
  return count % 2 ? ordered[k] : (ordered[k - 1] + ordered[k]) / 2;
}

// np.std of the values in [low, high], in their given order.
double standard_deviation_between(const double* values, std::size_t count, double low, double high) {
  std::vector<double> kept;
  for (std::size_t i = 0; i < count; ++i)
    if (values[i] >= low && values[i] <= high) kept.push_back(values[i]);
  const double n = static_cast<double>(kept.size());
  const double mean = numpy_sum(kept.data(), kept.size()) / n;
  for (double& v : kept) {
    v -= mean;
    v *= v;
  }
  return std::sqrt(numpy_sum(kept.data(), kept.size()) / n);
}

}  // namespace

RobustLevel robust_level(const double* values, std::size_t count, double clip, int iterations) {
  // The values kept, |v - median| <= clip sigma, are a run of the sorted values: each round's
  // median is read off the run, and the run found from the sorted values.
  std::vector<double> ordered(values, values + count), deviation;
  std::sort(ordered.begin(), ordered.end());
  std::size_t lo = 0, hi = count;
  RobustLevel level;
  for (int round = 0; round < iterations && hi > lo; ++round) {
    const double* used = ordered.data() + lo;
    const std::size_t size = hi - lo;
    level.median = sorted_median(used, size);
    deviation.resize(size);
    for (std::size_t i = 0; i < size; ++i) deviation[i] = std::fabs(used[i] - level.median);
    level.sigma = 1.4826 * median_by_selection(deviation);
    if (level.sigma <= 0) level.sigma = standard_deviation_between(values, count, used[0], used[size - 1]);
    std::size_t new_lo = 0, new_hi = count;
    if (level.sigma > 0) {
      const double limit = clip * level.sigma;
      auto inside = [&](std::size_t i) { return std::fabs(ordered[i] - level.median) <= limit; };
      new_lo = 0;
      while (new_lo < count && !inside(new_lo)) ++new_lo;
      new_hi = count;
      while (new_hi > new_lo && !inside(new_hi - 1)) --new_hi;
      if (new_lo == count) new_lo = new_hi = 0;
    }
    if (new_lo == lo && new_hi == hi) break;
    lo = new_lo;
    hi = new_hi;
  }
  return level;
}

}  // namespace polychrome::initialization
