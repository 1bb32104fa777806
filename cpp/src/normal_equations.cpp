#include "polychrome/normal_equations.hpp"

#include "polychrome/cpu_kernels.hpp"

namespace polychrome {

// The accumulation is compiled once per CPU level: kernels/normal_equations_kernel.cpp.
void accumulate_normal_equations(const double* residual, const double* weight,
                                 const double* jacobian, std::size_t n, std::size_t p,
                                 double* chi2, double* gradient, double* hessian, int threads) {
  cpu_kernels().normal_equations(residual, weight, jacobian, n, p, chi2, gradient, hessian, threads);
}

void residuals_of_model(double* model, const double* offsets, std::size_t count, const double* data,
                        std::size_t n) {
  // one pass per offset, then the subtraction: each pixel's sums in the order of a pass per pixel,
  // in plain loops the compiler vectorises (a loop over the offsets inside the pixels' was not:
  // ~17 instructions a pixel against numpy's ~1.5 for its add and subtract, callgrind)
  for (std::size_t k = 0; k < count; ++k) {
    const double offset = offsets[k];
    for (std::size_t i = 0; i < n; ++i) model[i] += offset;
  }
  for (std::size_t i = 0; i < n; ++i) model[i] = data[i] - model[i];
}

}  // namespace polychrome
