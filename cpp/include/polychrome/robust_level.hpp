// A robust level of finite values: the median after iterative sigma clipping, sigma from the
// median absolute deviation (initialize()'s sky from a window's border; python/polychrome/models/
// initialization.py robust_level). Medians as numpy's (the mean of the middle one or two); where
// the deviation's median is 0, sigma is the standard deviation of the values kept, summed as
// numpy sums (pairwise), so that the results are the numpy code's, bit for bit.
#pragma once

#include <cstddef>

namespace polychrome::initialization {

struct RobustLevel {
  double median = 0.0;
  double sigma = 0.0;
};

// (median, sigma) of ``count`` finite ``values`` clipped at ``clip`` sigma, at most ``iterations``
// rounds (each round's values: those within clip sigma of the last round's median).
RobustLevel robust_level(const double* values, std::size_t count, double clip, int iterations);

}  // namespace polychrome::initialization
