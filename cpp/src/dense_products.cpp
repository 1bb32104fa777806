#include "polychrome/dense_products.hpp"

namespace polychrome {

double dot(const double* a, const double* b, std::size_t n) {
  double sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

void matrix_times(const double* matrix, const double* v, std::size_t n, double* out) {
  for (std::size_t i = 0; i < n; ++i) out[i] = dot(&matrix[i * n], v, n);
}

double quadratic_form(const double* matrix, const double* v, std::size_t n) {
  double total = 0.0;
  for (std::size_t j = 0; j < n; ++j) {
    double column = 0.0;
    for (std::size_t i = 0; i < n; ++i) column += v[i] * matrix[i * n + j];
    total += column * v[j];
  }
  return total;
}

}  // namespace polychrome
