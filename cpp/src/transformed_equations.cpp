#include "polychrome/transformed_equations.hpp"

#include <algorithm>
#include <vector>

namespace polychrome {

namespace {

// out = transform^T matrix, matrix n x columns row-major (columns 1: a vector), each element
// summed over transform's rows in index order.
void transposed_times(const double* transform, const double* matrix, std::size_t n, std::size_t columns,
                      double* out) {
  std::fill(out, out + n * columns, 0.0);
  for (std::size_t k = 0; k < n; ++k)
    for (std::size_t i = 0; i < n; ++i) {
      const double t = transform[k * n + i];
      for (std::size_t j = 0; j < columns; ++j) out[i * columns + j] += t * matrix[k * columns + j];
    }
}

// out = matrix transform (both n x n), each element summed in index order.
void times(const double* matrix, const double* transform, std::size_t n, double* out) {
  std::fill(out, out + n * n, 0.0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t k = 0; k < n; ++k) {
      const double m = matrix[i * n + k];
      for (std::size_t j = 0; j < n; ++j) out[i * n + j] += m * transform[k * n + j];
    }
}

}  // namespace

void transform_normal_equations(const double* gradient, const double* hessian, const double* transform,
                                const double* column_scale, std::size_t n, double* gradient_out,
                                double* hessian_out) {
  if (transform == nullptr) {
    std::copy(gradient, gradient + n, gradient_out);
    std::copy(hessian, hessian + n * n, hessian_out);
  } else {
    transposed_times(transform, gradient, n, 1, gradient_out);
    std::vector<double> left(n * n);  // T^T H
    transposed_times(transform, hessian, n, n, left.data());
    times(left.data(), transform, n, hessian_out);
  }
  if (column_scale == nullptr) return;
  for (std::size_t i = 0; i < n; ++i) {
    gradient_out[i] *= column_scale[i];
    for (std::size_t j = 0; j < n; ++j) {
      double& value = hessian_out[i * n + j];
      value = value * column_scale[i] * column_scale[j];
    }
  }
}

}  // namespace polychrome
