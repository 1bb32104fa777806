// Least-squares normal equations of one window: chi^2, J^T W r and J^T W J.
#pragma once

#include <cstddef>

namespace polychrome {

/// Pixels per block of the accumulation: small enough that the p rows of a
/// block stay in L1 while every (k, l) pair is formed from them.
constexpr std::size_t kNormalEquationsBlock = 512;
/// Blocks per thread below which a thread does not pay (p = 7: ~10 us per block).
constexpr std::size_t kMinNormalEquationsBlocksPerThread = 16;

/// Whether accumulating n pixels could use more than one thread (see team_size).
constexpr bool normal_equations_could_use_threads(std::size_t n) {
  return (n + kNormalEquationsBlock - 1) / kNormalEquationsBlock >= 2 * kMinNormalEquationsBlocksPerThread;
}

/// Adds one window's contribution. residual, weight: n values (data - model
/// and 1/variance of the used pixels); jacobian: p x n (row k = d model /
/// d parameter k over those pixels); chi2 += sum w r^2; gradient[p] +=
/// J W r; hessian[p x p] += J W J^T (full symmetric matrix). Threads over
/// pixel blocks, each with its own partial sums (no shared writes).
void accumulate_normal_equations(const double* residual, const double* weight,
                                 const double* jacobian, std::size_t n, std::size_t p,
                                 double* chi2, double* gradient, double* hessian, int threads);

/// The residuals of a model image in place: model[i] becomes data[i] - (model[i] + offsets[0] +
/// ... + offsets[count - 1]), the offsets (uniform components' pixel values, e.g. a flat sky)
/// added one after another, in that order (as a fit adds each component's image to the window's:
/// the same sums, the same digits).
void residuals_of_model(double* model, const double* offsets, std::size_t count, const double* data,
                        std::size_t n);

}  // namespace polychrome
