// NL2SOL's secant update of S, the estimate of the curvature J^T W J leaves out (the fitter's
// augmented model: python/polychrome/fit/augmented_model.py says when it is used).
#pragma once

#include <cstddef>

namespace polychrome::lm {

/// S (p x p, row-major, symmetric; updated in place) after the accepted ``step`` (p), from
/// g = J^T W (data - model) before and after it and J^T W J after (Dennis, Gay & Welsch 1981):
/// with y = g_old - g_new and y# = y - H_new step, S is sized by tau = min(1, |s.y#| / |s.S.s|)
/// (when it has had updates: ``sized``) and corrected by the symmetric rank-2 form
/// (v y^T + y v^T) / y.s - (v.s) y y^T / (y.s)^2, v = y# - tau S s, so that (H_new + S) s = y.
/// Returns false, S unchanged, when y.s <= 0 (chi^2 not convex along the step).
bool update_secant(double* secant, bool sized, const double* step, const double* gradient_old,
                   const double* gradient_new, const double* hessian_new, std::size_t p);

}  // namespace polychrome::lm
