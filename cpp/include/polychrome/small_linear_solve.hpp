// Small dense linear systems (the fitter's ~8 x 8): LU with partial pivoting, the minimum-norm
// least-squares solution where that fails, and a positive-definiteness test. Row-major n x n
// matrices; written for a few parameters, where a library call's set-up costs more than the work.
#pragma once

#include <cstddef>

namespace polychrome {

/// Solves matrix x = rhs by LU with partial pivoting (LAPACK dgesv's rule: the pivot of each
/// column is its first entry of largest magnitude). matrix: n x n row-major; x: n values out.
/// Returns false, x unspecified, when a pivot is exactly 0 or x is not finite.
bool lu_solve(const double* matrix, const double* rhs, std::size_t n, double* x);

/// The minimum-norm least-squares solution of matrix x = rhs (numpy.linalg.lstsq's with
/// rcond=None: singular values at or below n * DBL_EPSILON times the largest count as 0), by a
/// one-sided Jacobi SVD. matrix: n x n row-major; x: n values out (NaN where the matrix is not
/// finite).
void least_squares_solve(const double* matrix, const double* rhs, std::size_t n, double* x);

/// lu_solve, else least_squares_solve (a singular or overflowing system).
void solve_or_least_squares(const double* matrix, const double* rhs, std::size_t n, double* x);

/// True when the symmetric n x n matrix (row-major; its upper triangle is read) is positive
/// definite: its Cholesky factorisation meets only pivots > 0 (false for a NaN).
bool positive_definite(const double* matrix, std::size_t n);

}  // namespace polychrome
