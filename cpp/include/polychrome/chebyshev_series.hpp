// A Chebyshev series sum_k c_k T_k(t) by Clenshaw's recurrence, for the special functions' fitted
// series (Airy amplitude, fast K0/K1). Unrolled: gcc vectorises a loop over points only when it
// holds no inner loop.
#pragma once

#include "polychrome/inline.hpp"

namespace polychrome {

/// sum_{k<N} c_k T_k(t) for t in [-1, 1] (dimensionless).
template <int N>
POLYCHROME_INLINE double chebyshev_series(const double (&c)[N], double t) {
  double b1 = 0.0, b2 = 0.0;
#pragma GCC unroll 32
  for (int k = N - 1; k >= 1; --k) {
    const double b0 = 2.0 * t * b1 - b2 + c[k];
    b2 = b1;
    b1 = b0;
  }
  return t * b1 - b2 + c[0];
}

}  // namespace polychrome
