// Special functions needed by the profiles: digamma, the regularised lower
// incomplete gamma function with its derivatives, the Sersic b_n, and Gauss-Legendre rules.
#pragma once

#include <array>
#include <vector>

namespace polychrome {

/// ln Gamma(x) for x > 0; safe to call from several threads at once.
double log_gamma(double x);

/// Digamma psi(x) = d ln Gamma(x) / dx for x > 0.
double digamma(double x);

/// Regularised lower incomplete gamma P(a, x) = gamma(a, x) / Gamma(a),
/// for a > 0, x >= 0.
double regularized_gamma_p(double a, double x);

/// P(a, x) together with dP/da and dP/dx (series expansion; converges for all
/// x >= 0 but is meant for x <= a + 1, which is where b_n lies).
struct GammaPWithDerivatives {
  double p;
  double dp_da;
  double dp_dx;
};
GammaPWithDerivatives regularized_gamma_p_series(double a, double x);

/// Terms of the series of P(a, x) whose 1 / (a + k) GammaPConstants holds: the centre pixels' nodes
/// of the survey's Sersics need 10-40, x just below a + 1 about 50 at a = 20 (n = 10); more take divisions.
constexpr int kGammaPReciprocals = 64;

/// What P(a, x) and its derivatives need of a alone, for evaluating them at many x with one a
/// (a Sersic profile's enclosed light, a = 2n): the log-gammas and the digamma cost more than the
/// series itself at small x, and the series' reciprocals 1 / (a + k) (two divisions a term) more
/// than its products.
struct GammaPConstants {
  double a;
  double log_gamma_a;   ///< ln Gamma(a)
  double log_gamma_a1;  ///< ln Gamma(a + 1)
  double digamma_a1;    ///< psi(a + 1)
  std::array<double, kGammaPReciprocals> inv_a_k;  ///< 1 / (a + k) for k = 1 .. kGammaPReciprocals
};
/// The constants for a > 0.
GammaPConstants gamma_p_constants(double a);
GammaPWithDerivatives regularized_gamma_p_series(const GammaPConstants& c, double x);

/// P(a, x) alone from the constants of a, with log_x = ln x (x >= 0): the series without its
/// derivative's sums (the value-only renders' polar nodes).
double regularized_gamma_p(const GammaPConstants& c, double x, double log_x);

/// P(a, x), dP/da and dP/dx for any x >= 0 (series below a + 1, continued
/// fraction above).
GammaPWithDerivatives regularized_gamma_p_with_derivatives(double a, double x);
GammaPWithDerivatives regularized_gamma_p_with_derivatives(const GammaPConstants& c, double x);
/// The same with log_x = ln x given (the caller often has it: a Sersic's x = b (R / Re)^(1/n)); x > 0.
GammaPWithDerivatives regularized_gamma_p_with_derivatives(const GammaPConstants& c, double x, double log_x);

/// The Sersic b_n and its derivative db_n/dn: b solves P(2n, b) = 1/2 exactly
/// (so that Re encloses half the light), found by Newton's method to machine
/// precision; db/dn follows from implicit differentiation.
struct SersicB {
  double b;
  double db_dn;
};
SersicB sersic_b(double n);
/// The same from the constants of a = 2n (a Sersic profile keeps them for its enclosed light).
SersicB sersic_b(const GammaPConstants& c);

/// The n-point Gauss-Legendre rule on [-1, 1] (n >= 1): nodes into x, weights into w (Newton on the
/// Legendre recurrence from Chebyshev-like first guesses; converged to rounding).
void gauss_legendre_rule(int n, std::vector<double>& x, std::vector<double>& w);

}  // namespace polychrome
