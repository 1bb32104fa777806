// Sorting doubles by a least-significant-byte-first radix sort of their bit patterns (mapped so
// that unsigned order is numeric order): stable, and a few passes over the values instead of a
// comparison sort's n log n branches (initialize()'s radius order and border levels sort a few
// hundred to a few thousand values per source; bytes equal in every value are skipped, most of
// the exponent's). NaNs must not be given; -0.0 sorts before +0.0.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace polychrome {

// ``positions`` reordered so that values[positions[k]] ascend; equal values keep their order.
void sort_positions_by_value(const double* values, std::vector<std::int64_t>& positions);

// ``values`` sorted ascending.
void sort_values(std::vector<double>& values);

}  // namespace polychrome
