// The normal equations of a fit in other variables (the fitter's reparametrisations: ln of scale
// parameters, log10 total flux for Ie; see python/polychrome/fit/log_scaled_problem.py and
// total_flux_problem.py). With x = h(y) and M = dx/dy, chi^2's gradient and J^T W J in y are
// M^T g and M^T H M.
#pragma once

#include <cstddef>

namespace polychrome {

/// gradient_out = M^T gradient and hessian_out = M^T hessian M (n values, n x n row-major), with
/// M = transform diag(column_scale): transform n x n row-major (nullptr: the identity), column_scale
/// n values (nullptr: ones). Sums run in index order, M^T hessian first, then that times M; the
/// scale multiplies last (row's, then column's), as numpy's (T^T H T) * s[:, None] * s did. The
/// outputs must not overlap the inputs.
void transform_normal_equations(const double* gradient, const double* hessian, const double* transform,
                                const double* column_scale, std::size_t n, double* gradient_out,
                                double* hessian_out);

}  // namespace polychrome
