// Products of small dense vectors and row-major matrices (the fitter's few parameters), summed in
// index order.
#pragma once

#include <cstddef>

namespace polychrome {

/// a . b over n values.
double dot(const double* a, const double* b, std::size_t n);

/// matrix v (n values out): row i is dot(matrix row i, v). matrix: n x n row-major.
void matrix_times(const double* matrix, const double* v, std::size_t n, double* out);

/// v . matrix . v, as (v^T matrix) . v. matrix: n x n row-major.
double quadratic_form(const double* matrix, const double* v, std::size_t n);

}  // namespace polychrome
