// numpy's sum of contiguous doubles (np.add.reduce, ndarray.sum of a C-contiguous array of any
// shape): pairwise summation over blocks of 128 with 8 partial sums, the same number bit for bit,
// for core code that replaces numpy code and must give its numbers.
#pragma once

#include <cstddef>

namespace polychrome {

double numpy_sum(const double* values, std::size_t count);

}  // namespace polychrome
