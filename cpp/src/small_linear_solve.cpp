#include "polychrome/small_linear_solve.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>
#include <vector>

#include "polychrome/dense_products.hpp"

namespace polychrome {

namespace {

// Jacobi sweeps before least_squares_solve gives up on convergence (a few suffice for n <= 20:
// the method converges quadratically once the columns are nearly orthogonal).
constexpr int kMaxJacobiSweeps = 60;

bool all_finite(const double* values, std::size_t count) {
  return std::all_of(values, values + count, [](double v) { return std::isfinite(v); });
}

// Rotates columns a and b of the n-row column store by (c, s): a' = c a - s b, b' = s a + c b.
void rotate_columns(std::vector<double>& columns, std::size_t n, std::size_t a, std::size_t b, double c,
                    double s) {
  for (std::size_t k = 0; k < n; ++k) {
    const double first = columns[a * n + k];
    const double second = columns[b * n + k];
    columns[a * n + k] = c * first - s * second;
    columns[b * n + k] = s * first + c * second;
  }
}

}  // namespace

bool lu_solve(const double* matrix, const double* rhs, std::size_t n, double* x) {
  std::vector<double> a(matrix, matrix + n * n);
  std::copy(rhs, rhs + n, x);
  for (std::size_t k = 0; k < n; ++k) {
    std::size_t pivot = k;
    double largest = std::abs(a[k * n + k]);
    for (std::size_t i = k + 1; i < n; ++i) {
      const double magnitude = std::abs(a[i * n + k]);
      if (magnitude > largest) {
        largest = magnitude;
        pivot = i;
      }
    }
    if (a[pivot * n + k] == 0.0) return false;
    if (pivot != k) {
      std::swap_ranges(a.begin() + static_cast<std::ptrdiff_t>(k * n),
                       a.begin() + static_cast<std::ptrdiff_t>((k + 1) * n),
                       a.begin() + static_cast<std::ptrdiff_t>(pivot * n));
      std::swap(x[k], x[pivot]);
    }
    const double diagonal = a[k * n + k];
    for (std::size_t i = k + 1; i < n; ++i) {
      const double factor = a[i * n + k] / diagonal;
      if (factor == 0.0) continue;
      for (std::size_t j = k + 1; j < n; ++j) a[i * n + j] -= factor * a[k * n + j];
      x[i] -= factor * x[k];
    }
  }
  for (std::size_t k = n; k-- > 0;) {
    double sum = x[k];
    for (std::size_t j = k + 1; j < n; ++j) sum -= a[k * n + j] * x[j];
    x[k] = sum / a[k * n + k];
  }
  return all_finite(x, n);
}

void least_squares_solve(const double* matrix, const double* rhs, std::size_t n, double* x) {
  if (!all_finite(matrix, n * n) || !all_finite(rhs, n)) {
    std::fill(x, x + n, std::numeric_limits<double>::quiet_NaN());
    return;
  }
  // One-sided Jacobi (Hestenes): rotations from the right make the columns of U = matrix V
  // orthogonal; then matrix = U V^T with U's column norms the singular values.
  std::vector<double> u(n * n);  // column j at [j * n, (j + 1) * n)
  std::vector<double> v(n * n, 0.0);
  for (std::size_t j = 0; j < n; ++j) {
    for (std::size_t k = 0; k < n; ++k) u[j * n + k] = matrix[k * n + j];
    v[j * n + j] = 1.0;
  }
  for (int sweep = 0; sweep < kMaxJacobiSweeps; ++sweep) {
    bool rotated = false;
    for (std::size_t a = 0; a + 1 < n; ++a) {
      for (std::size_t b = a + 1; b < n; ++b) {
        const double alpha = dot(&u[a * n], &u[a * n], n);
        const double beta = dot(&u[b * n], &u[b * n], n);
        const double gamma = dot(&u[a * n], &u[b * n], n);
        if (!(std::abs(gamma) > DBL_EPSILON * std::sqrt(alpha) * std::sqrt(beta))) continue;
        rotated = true;
        const double zeta = (beta - alpha) / (2.0 * gamma);
        const double t = std::copysign(1.0, zeta) / (std::abs(zeta) + std::hypot(1.0, zeta));
        const double c = 1.0 / std::sqrt(1.0 + t * t);
        rotate_columns(u, n, a, b, c, c * t);
        rotate_columns(v, n, a, b, c, c * t);
      }
    }
    if (!rotated) break;
  }
  std::vector<double> norms(n);
  for (std::size_t j = 0; j < n; ++j) norms[j] = std::sqrt(dot(&u[j * n], &u[j * n], n));
  const double largest = n ? *std::max_element(norms.begin(), norms.end()) : 0.0;
  const double cutoff = static_cast<double>(n) * DBL_EPSILON * largest;
  std::fill(x, x + n, 0.0);
  for (std::size_t j = 0; j < n; ++j) {
    if (!(norms[j] > cutoff)) continue;
    // (U_j . rhs) / sigma_j^2: U_j is sigma_j times the unit vector
    const double projection = dot(&u[j * n], rhs, n) / (norms[j] * norms[j]);
    for (std::size_t k = 0; k < n; ++k) x[k] += projection * v[j * n + k];
  }
}

void solve_or_least_squares(const double* matrix, const double* rhs, std::size_t n, double* x) {
  if (!lu_solve(matrix, rhs, n, x)) least_squares_solve(matrix, rhs, n, x);
}

bool positive_definite(const double* matrix, std::size_t n) {
  std::vector<double> factor(n * n, 0.0);  // the upper triangle R of matrix = R^T R
  for (std::size_t j = 0; j < n; ++j) {
    double pivot = matrix[j * n + j];
    for (std::size_t k = 0; k < j; ++k) pivot -= factor[k * n + j] * factor[k * n + j];
    if (!(pivot > 0.0)) return false;
    const double root = std::sqrt(pivot);
    factor[j * n + j] = root;
    for (std::size_t i = j + 1; i < n; ++i) {
      double sum = matrix[j * n + i];
      for (std::size_t k = 0; k < j; ++k) sum -= factor[k * n + j] * factor[k * n + i];
      factor[j * n + i] = sum / root;
    }
  }
  return true;
}

}  // namespace polychrome
