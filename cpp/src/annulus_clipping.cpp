#include "polychrome/annulus_clipping.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace polychrome::initialization {

namespace {

// numpy's sort order: NaNs after every number.
bool before(double a, double b) { return a < b || (std::isnan(b) && !std::isnan(a)); }

}  // namespace

void clip_annuli(double* flux, std::size_t count, const std::int64_t* starts, std::size_t annuli, double clip) {
  std::vector<double> values;
  for (std::size_t k = 0; k < annuli; ++k) {
    const std::int64_t a = starts[k], b = starts[k + 1];
    if (a < 0 || b < a || static_cast<std::size_t>(b) > count)
      throw std::invalid_argument("starts must increase within 0..count");
    const std::size_t size = static_cast<std::size_t>(b - a);
    if (size < kMinClippedCount) continue;
    values.assign(flux + a, flux + b);
    std::sort(values.begin(), values.end(), before);
    const std::size_t low = (size - 1) / 2, high = size / 2;  // the middle one or two
    const double median = 0.5 * (values[low] + values[high]), largest = values.back();
    for (double& v : values) v = std::fabs(v - median);
    std::sort(values.begin(), values.end(), before);
    const double ceiling = median + clip * 1.4826 * (0.5 * (values[low] + values[high]));
    if (largest <= ceiling) continue;  // no value above it (a NaN, sorted last: compare all)
    for (std::int64_t i = a; i < b; ++i)
      if (flux[i] > ceiling) flux[i] = median;
  }
}

}  // namespace polychrome::initialization
