#include "polychrome/lm_secant.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "polychrome/dense_products.hpp"

namespace polychrome::lm {

bool update_secant(double* secant, bool sized, const double* step, const double* gradient_old,
                   const double* gradient_new, const double* hessian_new, std::size_t p) {
  std::vector<double> y(p);
  for (std::size_t i = 0; i < p; ++i) y[i] = gradient_old[i] - gradient_new[i];
  const double ys = dot(y.data(), step, p);
  if (!(ys > 0.0)) return false;
  std::vector<double> v(p);  // y# = y - H_new s, then v = y# - tau S s
  matrix_times(hessian_new, step, p, v.data());
  for (std::size_t i = 0; i < p; ++i) v[i] = y[i] - v[i];
  double tau = 1.0;
  if (sized) {
    std::vector<double> s_step(p);
    matrix_times(secant, step, p, s_step.data());
    const double along = dot(step, s_step.data(), p);
    if (along != 0.0) tau = std::min(1.0, std::abs(dot(step, v.data(), p)) / std::abs(along));
    for (std::size_t i = 0; i < p; ++i) v[i] -= tau * s_step[i];
  }
  // the rank-2 correction as w y^T + y w^T, w = v / y.s - (v.s) y / (2 (y.s)^2): exactly symmetric
  const double shift = dot(v.data(), step, p) / (2.0 * ys * ys);
  std::vector<double> w(p);
  for (std::size_t i = 0; i < p; ++i) w[i] = v[i] * (1.0 / ys) - shift * y[i];
  for (std::size_t i = 0; i < p; ++i) {
    for (std::size_t j = 0; j < p; ++j) {
      const double correction = w[i] * y[j] + w[j] * y[i];
      secant[i * p + j] = sized ? correction + tau * secant[i * p + j] : correction;
    }
  }
  return true;
}

}  // namespace polychrome::lm
