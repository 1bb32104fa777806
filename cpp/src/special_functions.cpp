#include "polychrome/special_functions.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

namespace polychrome {

double log_gamma(double x) {
#if defined(__GLIBC__) || defined(__APPLE__)
  int sign = 0;
  return ::lgamma_r(x, &sign);  // reentrant: std::lgamma may write the global signgam
#else
  return log_gamma(x);
#endif
}

double digamma(double x) {
  if (!(x > 0.0)) throw std::domain_error("digamma: x must be positive");
  double shift = 0.0;
  // Recurrence psi(x) = psi(x + 1) - 1/x until the asymptotic series is exact
  // to double precision.
  while (x < 16.0) {
    shift -= 1.0 / x;
    x += 1.0;
  }
  const double inv = 1.0 / x;
  const double inv2 = inv * inv;
  // psi(x) ~ ln x - 1/(2x) - sum B_2k / (2k x^2k)
  const double series =
      inv2 * (1.0 / 12.0 -
              inv2 * (1.0 / 120.0 -
                      inv2 * (1.0 / 252.0 -
                              inv2 * (1.0 / 240.0 - inv2 * (1.0 / 132.0)))));
  return shift + std::log(x) - 0.5 * inv - series;
}

GammaPConstants gamma_p_constants(double a) {
  if (!(a > 0.0)) throw std::domain_error("incomplete gamma: a must be positive");
  GammaPConstants c{a, log_gamma(a), log_gamma(a + 1.0), digamma(a + 1.0), {}};
  for (int k = 1; k <= kGammaPReciprocals; ++k) c.inv_a_k[static_cast<std::size_t>(k - 1)] = 1.0 / (a + k);
  return c;
}

GammaPWithDerivatives regularized_gamma_p_series(double a, double x) {
  return regularized_gamma_p_series(gamma_p_constants(a), x);  // (each checks its own argument)
}

namespace {

// The series' sums of P(a, x) for x > 0 (and of dP/da when kDerivative):
//   P(a,x) = x^a e^-x / Gamma(a+1) * sum_k T_k,  T_k = prod_{j<=k} x / (a + j),
//   dT_k/da = -T_k * H_k with H_k = sum_{j<=k} 1 / (a + j),
// the first kGammaPReciprocals reciprocals 1 / (a + j) from c (no division).
template <bool kDerivative>
void gamma_p_series_sums(const GammaPConstants& c, double x, double& sum, double& dsum_da) {
  double term = 1.0;
  [[maybe_unused]] double harmonic = 0.0;
  sum = 1.0;
  dsum_da = 0.0;
  // Adds the term of reciprocal inv = 1 / (a + k); true once the sums have converged.
  const auto add_term = [&](double inv) {
    term *= x * inv;
    sum += term;
    if constexpr (kDerivative) {
      harmonic += inv;
      dsum_da -= term * harmonic;
      return term < sum * 1e-17 && term * harmonic < std::abs(dsum_da) * 1e-17;
    } else {
      return term < sum * 1e-17;
    }
  };
  bool converged = false;
  for (int k = 0; k < kGammaPReciprocals && !converged; ++k) converged = add_term(c.inv_a_k[static_cast<std::size_t>(k)]);
  for (int k = kGammaPReciprocals + 1; k < 100000 && !converged; ++k) converged = add_term(1.0 / (c.a + k));
}

// The series' prefactor x^a e^-x / Gamma(a + 1) for x > 0, log_x = ln x.
double gamma_p_series_prefactor(const GammaPConstants& c, double x, double log_x) {
  return std::exp(c.a * log_x - x - c.log_gamma_a1);
}

// The series of P(a, x) and its derivatives for x > 0, log_x = ln x.
GammaPWithDerivatives gamma_p_series(const GammaPConstants& c, double x, double log_x) {
  const double a = c.a;
  double sum, dsum_da;
  gamma_p_series_sums<true>(c, x, sum, dsum_da);
  const double prefactor = gamma_p_series_prefactor(c, x, log_x);
  const double p = prefactor * sum;
  const double dlogpref_da = log_x - c.digamma_a1;
  const double dp_da = p * dlogpref_da + prefactor * dsum_da;
  // dP/dx = x^(a-1) e^-x / Gamma(a) = prefactor a / x, without a second exp unless the prefactor
  // has underflowed (x^a below the normal range while x^(a-1) is not).
  const double dp_dx = prefactor >= std::numeric_limits<double>::min()
                           ? prefactor / x * a
                           : std::exp((a - 1.0) * log_x - x - c.log_gamma_a);
  return {p, dp_da, dp_dx};
}

}  // namespace

GammaPWithDerivatives regularized_gamma_p_series(const GammaPConstants& c, double x) {
  const double a = c.a;
  if (!(x >= 0.0)) throw std::domain_error("incomplete gamma: x must be >= 0");
  if (x == 0.0) return {0.0, 0.0, a == 1.0 ? 1.0 : (a < 1.0 ? std::numeric_limits<double>::infinity() : 0.0)};
  return gamma_p_series(c, x, std::log(x));
}

namespace {

// Upper regularised gamma Q(a, x) by its continued fraction (modified Lentz) and, when
// dq_da is non-null, dQ/da from the same recurrence differentiated in a alongside it
// (forward mode: every quantity carries its derivative; no second evaluation in a).
// Converges quickly for x > a + 1. log_x: ln x; log_gamma_a: ln Gamma(a); digamma_a: psi(a)
// (used only with dq_da).
//   Q = x^a e^-x / Gamma(a) * h,   h = 1 / (b0 - 1 (1 - a) / (b1 - 2 (2 - a) / (b2 - ...))),
//   b_i = x + 1 - a + 2 i,  so  db_i/da = -1  and  d(-i (i - a))/da = i,
//   dQ/da = Q (ln x - psi(a) + d ln h / da).
double regularized_gamma_q_fraction(double a, double x, double log_x, double log_gamma_a, double digamma_a,
                                    double* dq_da) {
  constexpr double kTiny = 1e-300;
  double b = x + 1.0 - a;
  double c = 1.0 / kTiny, inv_c = kTiny, dc = 0.0;  // c, 1 / c and dc/da
  double d = 1.0 / b;
  double dd = d * d;         // dd/da = -(db/da) / b^2
  double h = d, dlog_h = d;  // d ln h / da = (dd/da) / d
  for (int i = 1; i < 100000; ++i) {
    const double an = -i * (i - a);
    b += 2.0;
    double denominator = an * d + b;
    const double ddenominator = i * d + an * dd - 1.0;
    if (std::abs(denominator) < kTiny) denominator = kTiny;
    dc = -1.0 + (i - an * dc * inv_c) * inv_c;  // d(b + an / c)/da
    c = b + an * inv_c;
    if (std::abs(c) < kTiny) c = kTiny;
    inv_c = 1.0 / c;
    d = 1.0 / denominator;
    const double dlog_d = -ddenominator * d;
    dd = dlog_d * d;
    const double delta = d * c;
    const double dlog_delta = dlog_d + dc * inv_c;
    h *= delta;
    dlog_h += dlog_delta;
    if (std::abs(delta - 1.0) < 1e-16 && (!dq_da || std::abs(dlog_delta) <= 1e-16 * (1.0 + std::abs(dlog_h))))
      break;
  }
  const double q = std::exp(a * log_x - x - log_gamma_a) * h;
  if (dq_da) *dq_da = q * (log_x - digamma_a + dlog_h);
  return q;
}

}  // namespace

double regularized_gamma_p(double a, double x) {
  if (!(a > 0.0)) throw std::domain_error("incomplete gamma: a must be positive");
  if (!(x >= 0.0)) throw std::domain_error("incomplete gamma: x must be >= 0");
  if (x == 0.0) return 0.0;
  if (x < a + 1.0) return regularized_gamma_p_series(a, x).p;
  return 1.0 - regularized_gamma_q_fraction(a, x, std::log(x), log_gamma(a), 0.0, nullptr);
}

double regularized_gamma_p(const GammaPConstants& c, double x, double log_x) {
  const double a = c.a;
  if (!(x > 0.0)) return regularized_gamma_p_series(c, x).p;  // x == 0 (or a clear error)
  if (x < a + 1.0) {
    double sum, unused;
    gamma_p_series_sums<false>(c, x, sum, unused);
    return gamma_p_series_prefactor(c, x, log_x) * sum;
  }
  return 1.0 - regularized_gamma_q_fraction(a, x, log_x, c.log_gamma_a, 0.0, nullptr);
}

GammaPWithDerivatives regularized_gamma_p_with_derivatives(double a, double x) {
  return regularized_gamma_p_with_derivatives(gamma_p_constants(a), x);
}

GammaPWithDerivatives regularized_gamma_p_with_derivatives(const GammaPConstants& c, double x) {
  if (x < c.a + 1.0) return regularized_gamma_p_series(c, x);
  return regularized_gamma_p_with_derivatives(c, x, std::log(x));
}

GammaPWithDerivatives regularized_gamma_p_with_derivatives(const GammaPConstants& c, double x, double log_x) {
  const double a = c.a;
  if (!(x > 0.0)) return regularized_gamma_p_series(c, x);  // x == 0 (or a clear error)
  if (x < a + 1.0) return gamma_p_series(c, x, log_x);
  // Large x: P and dP/da = -dQ/da from the continued fraction (psi(a) = psi(a + 1) - 1 / a).
  double dq_da = 0.0;
  const double q = regularized_gamma_q_fraction(a, x, log_x, c.log_gamma_a, c.digamma_a1 - 1.0 / a, &dq_da);
  const double dp_dx = std::exp((a - 1.0) * log_x - x - c.log_gamma_a);
  return {1.0 - q, -dq_da, dp_dx};
}

SersicB sersic_b(double n) {
  if (!(n > 0.0) || !std::isfinite(n))
    throw std::domain_error("sersic_b: n must be positive and finite");
  return sersic_b(gamma_p_constants(2.0 * n));
}

SersicB sersic_b(const GammaPConstants& c) {
  const double n = 0.5 * c.a;
  // Start from the Ciotti & Bertin (1999) asymptotic expansion, then Newton.
  double b = 2.0 * n - 1.0 / 3.0 + 4.0 / (405.0 * n) + 46.0 / (25515.0 * n * n);
  if (!(b > 0.0)) b = 0.5 * n;
  GammaPWithDerivatives g{};
  for (int iter = 0; iter < 100; ++iter) {
    g = regularized_gamma_p_series(c, b);
    double step = (g.p - 0.5) / g.dp_dx;
    // Keep b positive: never step more than halfway to zero.
    if (b - step <= 0.0) step = 0.5 * b;
    b -= step;
    if (std::abs(step) <= 1e-15 * b) break;
  }
  g = regularized_gamma_p_series(c, b);
  // d/dn P(2n, b(n)) = 0  =>  2 dP/da + dP/dx db/dn = 0
  return {b, -2.0 * g.dp_da / g.dp_dx};
}

void gauss_legendre_rule(int n, std::vector<double>& x, std::vector<double>& w) {
  constexpr double kPi = 3.14159265358979323846;
  x.assign(static_cast<std::size_t>(n), 0.0);
  w.assign(static_cast<std::size_t>(n), 0.0);
  for (int i = 0; i < n; ++i) {
    double z = std::cos(kPi * (i + 0.75) / (n + 0.5));
    double dp = 1.0;
    for (int iteration = 0; iteration < 100; ++iteration) {
      double p0 = 1.0, p1 = z;  // P_0, P_1; recurrence up to P_n
      for (int k = 2; k <= n; ++k) {
        const double p2 = ((2.0 * k - 1.0) * z * p1 - (k - 1.0) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      dp = n * (z * p1 - p0) / (z * z - 1.0);
      const double step = p1 / dp;
      z -= step;
      if (std::abs(step) < 1e-16) break;
    }
    x[static_cast<std::size_t>(i)] = z;
    w[static_cast<std::size_t>(i)] = 2.0 / ((1.0 - z * z) * dp * dp);
  }
}

}  // namespace polychrome
