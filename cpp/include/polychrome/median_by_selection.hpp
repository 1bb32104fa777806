// The median of values as numpy's np.median gives it (the mean of the middle one or two values in
// numpy's sort order, NaNs last), by selection: the same number as a sort at a fraction of its cost.
// Used by initialize()'s clipping in the core (annulus_clipping.cpp, robust_level.cpp).
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

namespace polychrome::initialization {

// numpy's sort order: NaNs after every number.
inline bool numpy_sort_before(double a, double b) { return a < b || (std::isnan(b) && !std::isnan(a)); }

// The median of ``values`` (at least one; reordered in place).
inline double median_by_selection(std::vector<double>& values) {
  const std::size_t high = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + high, values.end(), numpy_sort_before);
  const double upper = values[high];
  if (values.size() % 2) return upper;
  return 0.5 * (*std::max_element(values.begin(), values.begin() + high, numpy_sort_before) + upper);
}

}  // namespace polychrome::initialization
