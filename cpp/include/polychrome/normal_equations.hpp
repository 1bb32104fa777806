// Least-squares normal equations of one window: chi^2, J^T W r and J^T W J.
#pragma once

#include <cstddef>

namespace polychrome {

/// Adds one window's contribution. residual, weight: n values (data - model
/// and 1/variance of the used pixels); jacobian: p x n (row k = d model /
/// d parameter k over those pixels); chi2 += sum w r^2; gradient[p] +=
/// J W r; hessian[p x p] += J W J^T (full symmetric matrix). Threads over
/// pixel blocks, each with its own partial sums (no shared writes).
void accumulate_normal_equations(const double* residual, const double* weight,
                                 const double* jacobian, std::size_t n, std::size_t p,
                                 double* chi2, double* gradient, double* hessian, int threads);

}  // namespace polychrome
