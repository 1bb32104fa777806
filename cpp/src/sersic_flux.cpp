#include "polychrome/sersic_flux.hpp"

#include <cmath>
#include <stdexcept>

#include "polychrome/special_functions.hpp"

namespace polychrome {

namespace {
constexpr double kLn10 = 2.302585092994045684;
}  // namespace

SersicFluxOffsetDerivatives sersic_flux_offset_derivatives(double n, double Re, double q) {
  if (!(n > 0.0 && Re > 0.0 && q > 0.0))
    throw std::domain_error("sersic_flux_offset_derivatives: n, Re and q must be > 0");
  const SersicB sb = sersic_b(n);
  // d ln(n e^b b^-2n Gamma(2n)) / dn
  const double dln_dn =
      1.0 / n + sb.db_dn - 2.0 * std::log(sb.b) - 2.0 * n * sb.db_dn / sb.b + 2.0 * digamma(2.0 * n);
  return {sb.b, dln_dn / kLn10, 2.0 / (Re * kLn10), 1.0 / (q * kLn10)};
}

}  // namespace polychrome
