#include "polychrome/annulus_clipping.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace polychrome::initialization {

namespace {

// numpy's sort order: NaNs after every number.
bool before(double a, double b) { return a < b || (std::isnan(b) && !std::isnan(a)); }

// The median of ``values`` as numpy's sort would give it (the mean of the middle one or two in
// that order), by selection (reorders them): the same numbers as a sort at a fraction of its cost.
double median_of(std::vector<double>& values) {
  const std::size_t high = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + high, values.end(), before);
  const double upper = values[high];
  const double lower = values.size() % 2 ? upper : *std::max_element(values.begin(), values.begin() + high, before);
  return 0.5 * (lower + upper);
}

}  // namespace

void clip_annuli(double* flux, std::size_t count, const std::int64_t* starts, std::size_t annuli, double clip) {
  std::vector<double> values;
  for (std::size_t k = 0; k < annuli; ++k) {
    const std::int64_t a = starts[k], b = starts[k + 1];
    if (a < 0 || b < a || static_cast<std::size_t>(b) > count)
      throw std::invalid_argument("starts must increase within 0..count");
    if (static_cast<std::size_t>(b - a) < kMinClippedCount) continue;
    values.assign(flux + a, flux + b);
    const double median = median_of(values);
    for (double& v : values) v = std::fabs(v - median);
    const double ceiling = median + clip * 1.4826 * median_of(values);
    for (std::int64_t i = a; i < b; ++i)
      if (flux[i] > ceiling) flux[i] = median;
  }
}

}  // namespace polychrome::initialization
