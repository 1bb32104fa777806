#include "polychrome/annulus_clipping.hpp"

#include "polychrome/median_by_selection.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace polychrome::initialization {


void clip_annuli(double* flux, std::size_t count, const std::int64_t* starts, std::size_t annuli, double clip) {
  std::vector<double> values;
  for (std::size_t k = 0; k < annuli; ++k) {
    const std::int64_t a = starts[k], b = starts[k + 1];
    if (a < 0 || b < a || static_cast<std::size_t>(b) > count)
      throw std::invalid_argument("starts must increase within 0..count");
    if (static_cast<std::size_t>(b - a) < kMinClippedCount) continue;
    values.assign(flux + a, flux + b);
    const double median = median_by_selection(values);
    for (double& v : values) v = std::fabs(v - median);
    const double ceiling = median + clip * 1.4826 * median_by_selection(values);
    for (std::int64_t i = a; i < b; ++i)
      if (flux[i] > ceiling) flux[i] = median;
  }
}

}  // namespace polychrome::initialization
