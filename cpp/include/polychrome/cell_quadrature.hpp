// One quadrature cell: the integral of a radial profile over a square cell in
// pixel coordinates, with its derivatives with respect to every parameter.
//
// Two rules, both linear functionals of the profile, so that applying them to
// the parameter derivatives of the profile gives the exact derivative of the
// rendered value (the Jacobian "of the image as rendered"):
//
//  * Laplacian-corrected midpoint (smooth cells):
//      integral ~= area * [f + (f_uu + f_vv) / 24]   (error O(h^4))
//    with f_uu + f_vv = tr(H G) evaluated analytically from ln I, dL/dr,
//    d2L/dr2: for f = I(|w|),  tr(H G) = I [gamma (L1^2 + L2 - L1/r) + tau L1/r]
//    where gamma = w.G.w / r^2 and tau = tr G, G the cell's w-space metric.
//  * Plain midpoint (cells containing the centre, where the profile may have a
//    cusp and the Taylor expansion does not hold).
//
// Parameter order of the Jacobian: x, y (arcsec), q, PA (rad), then the
// profile's own parameters.
#pragma once

#include <cmath>
#include <cstddef>

#include "polychrome/ellipse.hpp"
#include "polychrome/fast_math.hpp"
#include "polychrome/inline.hpp"
#include "polychrome/profile.hpp"

namespace polychrome {

/// Number of geometric parameters ahead of the profile's in the Jacobian.
constexpr int kGeometricParams = 4;

/// Integral over one cell and its estimated error.
struct CellValue {
  double value;      ///< integral of the profile over the cell (flux)
  double rel_error;  ///< a-priori estimate of the rule's relative error
};

// Calibrated against exact pixel integrals (tests/test_render_accuracy.py).
// For an exponential profile the 4th-order term is 576/1920 = 0.3 of the
// squared 2nd-order correction.
constexpr double kRadialErrorFactor = 0.3;
constexpr double kConeErrorFactor = 0.2;

/// Evaluate one cell centred at circularised coordinates (wa, wb), of size h
/// pixels (h2 = h*h). With kJacobian, writes d value / d param_p to
/// jac[p * jstride] for every parameter p.
template <class Profile, bool kJacobian>
POLYCHROME_INLINE CellValue evaluate_cell(const EllipseGeometry& g, const Profile& prof,
                               double wa, double wb, double h2, bool plain_midpoint,
                               double* jac, std::ptrdiff_t jstride) {
  const double r2 = wa * wa + wb * wb;
  const bool at_center = !(r2 > 0.0);
  const double inv_r = 1.0 / std::sqrt(r2);  // computed unconditionally: keeps the loop branch-free
  const double rho = at_center ? 0.0 : inv_r;
  const Radius rad{r2, r2 * rho, rho, 0.5 * fast_log(r2)};

  const double Gaa = h2 * g.Gaa, Gab = h2 * g.Gab, Gbb = h2 * g.Gbb;
  const double tau = h2 * g.tau;
  const double area = h2 * g.area;
  const double Gwa = Gaa * wa + Gab * wb;
  const double Gwb = Gab * wa + Gbb * wb;
  const double gamma = (wa * Gwa + wb * Gwb) * rho * rho;
  const double lap = plain_midpoint ? 0.0 : 1.0 / 24.0;

  LogDerivatives d{};
  double dL[Profile::kMaxParams];
  double dL1[Profile::kMaxParams];
  double dL2[Profile::kMaxParams];
  if constexpr (kJacobian) {
    prof.eval_with_params(rad, d, dL, dL1, dL2);
  } else {
    prof.eval(rad, d);
  }
  const double I = fast_exp(d.L);
  const double L1rho = d.L1 * rho;
  const double curv = d.L1 * d.L1 + d.L2;
  const double B = curv - L1rho;
  const double C = gamma * B + tau * L1rho;
  const double corr = 1.0 + lap * C;
  const double aI = area * I;
  // A-priori relative error of the corrected rule, from the sizes of its
  // neglected 4th-order terms: the square of the 2nd-order correction (radial
  // curvature taken without cancellation, L1^2 + |L2|, so that it does not
  // vanish at an inflection point) and the 4th-order term of the cone
  // r = sqrt(R^2 + t^2) across the cell, which matters when the cell is large
  // compared with its distance to the centre.
  const double k_radial = (d.L1 * d.L1 + std::abs(d.L2)) * gamma * (1.0 / 24.0);
  const double k_tangential = std::abs(L1rho) * (tau - gamma) * (1.0 / 24.0);
  const double k_sum = k_radial + k_tangential;
  const double rel_error = kRadialErrorFactor * k_sum * k_sum +
                           kConeErrorFactor * k_tangential * (tau - gamma) * rho * rho;

  if constexpr (kJacobian) {
    const int np = prof.num_params();
    for (int k = 0; k < np; ++k) {
      const double Ck = gamma * (2.0 * d.L1 * dL1[k] + dL2[k] - dL1[k] * rho) + tau * dL1[k] * rho;
      jac[(kGeometricParams + k) * jstride] = aI * (dL[k] * corr + lap * Ck);
    }
    // Coefficient of dr/dp in dC/dp (everything but the gamma_p, tau_p terms).
    const double C_r = gamma * (2.0 * d.L1 * d.L2 + d.L3 - d.L2 * rho + d.L1 * rho * rho) +
                       tau * (d.L2 * rho - d.L1 * rho * rho);
    auto geometric = [&](int p, double dwa, double dwb, double wGpw, double tau_p)
                         __attribute__((always_inline)) {
      const double r_p = rho * (wa * dwa + wb * dwb);
      const double gamma_p = (2.0 * (Gwa * dwa + Gwb * dwb) + wGpw) * rho * rho - 2.0 * gamma * rho * r_p;
      const double C_p = gamma_p * B + C_r * r_p + tau_p * L1rho;
      jac[p * jstride] = aI * (d.L1 * r_p * corr + lap * C_p);
    };
    const double q = g.q, inv_q = g.inv_q;
    geometric(0, g.dw_dxc_a, g.dw_dxc_b, 0.0, 0.0);
    geometric(1, g.dw_dyc_a, g.dw_dyc_b, 0.0, 0.0);
    geometric(2, 0.0, -wb * inv_q, -2.0 * inv_q * wb * Gwb, -2.0 * inv_q * Gbb);
    geometric(3, q * wb, -wa * inv_q, 2.0 * (-wb * inv_q * Gwa + q * wa * Gwb),
              2.0 * Gab * (q - inv_q));
  }
  return {aI * corr, rel_error};
}

}  // namespace polychrome
