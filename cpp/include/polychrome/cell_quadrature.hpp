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
#include <limits>

#include "polychrome/ellipse.hpp"
#include "polychrome/fast_math.hpp"
#include "polychrome/inline.hpp"
#include "polychrome/kernel_namespace.hpp"
#include "polychrome/profile.hpp"

namespace polychrome {
namespace POLYCHROME_KERNEL_NAMESPACE {

/// Integral over one cell and its estimated error.
struct CellValue {
  double value;      ///< integral of the profile over the cell (flux)
  double rel_error;  ///< a-priori estimate of the rule's relative error
                     ///< (kUnknownError, infinite, where it cannot be estimated)
  double log_upper;  ///< ln of an upper bound of |value| over the cell
};

// Factor on the leading error term (1: taken at face value), and the largest
// (cell size / distance to the centre)^2 for which the Taylor estimate is
// believed; both checked against exact pixel integrals: at tolerance 1e-5 the
// worst pixel error over the test grid of n, q, Re and random centres is
// 1.3e-5 (tests/test_render_accuracy.py asks for 2e-5).
constexpr double kErrorSafety = 1.0;
constexpr double kTaylorRadiusLimit = 0.5;
// Largest 2nd-order correction (relative) for which the 4th-order term is
// taken as the error.
constexpr double kMaxCorrection = 0.1;
// Stands for "error not known". Infinite, so that no value passes
// rel_error * |value| <= allowed with it, not even 0 (0 * inf is NaN): a
// cell whose midpoint misses a narrow profile has value 0 and is not done.
constexpr double kUnknownError = std::numeric_limits<double>::infinity();
// Stands for "the cell does not resolve the profile": NaN, which passes no comparison, so that
// neither rel_error * |value| <= allowed nor rel_error >= kUnknownError (the a-posteriori cells) holds.
constexpr double kUnresolvedError = std::numeric_limits<double>::quiet_NaN();

/// Evaluate one cell centred at circularised coordinates (wa, wb), of size h
/// pixels. With kJacobian, writes d value / d param_p to
/// jac[p * jstride] for every parameter p.
template <class Profile, bool kJacobian>
POLYCHROME_INLINE CellValue evaluate_cell(const EllipseGeometry& g, const Profile& prof,
                               double wa, double wb, double h, bool plain_midpoint,
                               double* jac, std::ptrdiff_t jstride) {
  const double r2 = wa * wa + wb * wb;
  const bool at_center = !(r2 > 0.0);
  const double inv_r = 1.0 / std::sqrt(r2);  // computed unconditionally: keeps the loop branch-free
  const double rho = at_center ? 0.0 : inv_r;
  const Radius rad{r2, r2 * rho, rho, 0.5 * fast_log(r2)};

  const double h2 = h * h;
  const double Gaa = h2 * g.Gaa, Gab = h2 * g.Gab, Gbb = h2 * g.Gbb;
  const double tau = h2 * g.tau;
  const double area = h2 * g.area;
  const double Gwa = Gaa * wa + Gab * wb;
  const double Gwb = Gab * wa + Gbb * wb;
  const double gamma = (wa * Gwa + wb * Gwb) * rho * rho;
  // Cells large against the distance to the profile's other singularities (a truncation's poles,
  // pi / (2 St) off the real axis at Rt; a compact profile's edge, on it) may hold a step sharp on
  // their scale that neither the midpoint's derivatives nor the midpoints of two successive levels
  // see: such a cell is "unresolved" (kUnresolvedError), never accepted by the a-priori or the
  // a-posteriori rule, only split (or taken whole when negligible, or at the last level). Its value
  // is the plain midpoint's: next to an edge the Laplacian correction is meaningless (dL/dr grows
  // without bound there, I (dL/dr)^2 too for alpha < 2).
  bool unresolved = false;
  if constexpr (HasSingularities<Profile>::value)
    unresolved = !(tau <= kTaylorRadiusLimit * prof.singular_distance2(r2 * rho));
  const double lap = (plain_midpoint | unresolved) ? 0.0 : 1.0 / 24.0;

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
  // A-priori relative error of the corrected rule: its leading neglected
  // term, (f_uuuu + f_vvvv)/1920 + f_uuvv/576 over I, times a safety factor.
  // For f = I(|w|) the 4th directional derivative along a step e is a
  // quartic form in e; with a = e.w/r (radial part) and b^2 = |e|^2 - a^2:
  //   f_eeee / I = K1 a^4 + K2 a^2 b^2 + K3 b^4,
  //   K1 = (ln-to-linear) 4th radial derivative G4,
  //   K2 = 6 G3/r - 12 G2/r^2 + 12 L1/r^3,   K3 = 3 (G2 - L1/r)/r^2,
  // i.e. A4 a^4 + A2 a^2 |e|^2 + A0 |e|^4; the mixed derivative f_uuvv is the
  // polarisation of that form.
  const double G2 = curv;
  const double G3 = d.L1 * d.L1 * d.L1 + 3.0 * d.L1 * d.L2 + d.L3;
  const double G4 = d.L1 * d.L1 * (d.L1 * d.L1 + 6.0 * d.L2) + 3.0 * d.L2 * d.L2 +
                    4.0 * d.L1 * d.L3 + d.L4;
  const double rho2 = rho * rho;
  const double K2 = 6.0 * G3 * rho - 12.0 * G2 * rho2 + 12.0 * L1rho * rho2;
  const double K3 = 3.0 * (G2 - L1rho) * rho2;
  const double A4 = G4 - K2 + K3, A2 = K2 - 2.0 * K3, A0 = K3;
  const double au = (wa * g.APaa + wb * g.APba) * rho * h;  // radial parts of the
  const double av = (wa * g.APab + wb * g.APbb) * rho * h;  // cell's u and v steps
  const double uu = h2 * g.Gaa_uv, vv = h2 * g.Gbb_uv, uv = h2 * g.Gab_uv;
  const double au2 = au * au, av2 = av * av;
  const double d4u = A4 * au2 * au2 + A2 * au2 * uu + A0 * uu * uu;
  const double d4v = A4 * av2 * av2 + A2 * av2 * vv + A0 * vv * vv;
  const double mixed = A4 * au2 * av2 + A2 * (au2 * vv + av2 * uu + 4.0 * au * av * uv) * (1.0 / 6.0) +
                       A0 * (uu * vv + 2.0 * uv * uv) * (1.0 / 3.0);
  const double leading = (std::abs(d4u) + std::abs(d4v)) * (1.0 / 1920.0) + std::abs(mixed) * (1.0 / 576.0);
  // The Taylor estimate is believed only for cells small compared with their
  // distance to the centre and with the profile's own scale (a small
  // 2nd-order correction); elsewhere the error is unknown.
  const double correction = (std::abs(G2) * gamma + std::abs(L1rho) * (tau - gamma)) * (1.0 / 24.0);
  const bool taylor_ok = (tau * rho * rho <= kTaylorRadiusLimit) & (correction <= kMaxCorrection);
  double rel_error = taylor_ok ? kErrorSafety * leading : kUnknownError;
  rel_error = unresolved ? kUnresolvedError : rel_error;
  // ln of an upper bound of the cell's integral: the profile can rise by at
  // most about |L1| delta + |L2| delta^2 / 2 (in ln) over the half-diagonal
  // delta of the cell, so a cell whose bound is negligible can be accepted
  // even where the Taylor estimate does not hold (far wings of steep profiles).
  const double delta = std::sqrt(0.5 * tau);
  // A compact profile (profile.hpp, HasEdge; Ferrer and King fall outward) has a true bound: its own
  // largest value within delta of the midpoint's radius. The extrapolation from the midpoint misses
  // the light of a cell whose midpoint lies just beyond the edge, and overstates it next to the edge
  // (|dL/dr| grows without bound there), which would keep the cells along the edge splitting.
  const double log_area = std::log(area);
  double log_upper;
  if constexpr (HasEdge<Profile>::value) {
    log_upper = prof.log_max_within(r2 * rho, delta) + log_area;
  } else {
    log_upper = d.L + log_area + std::abs(d.L1) * delta + 0.5 * std::abs(d.L2) * delta * delta;
  }

  if constexpr (kJacobian) {
    // Profile parameters: dC/dp_k = gamma (2 L1 dL1_k + dL2_k - dL1_k rho) + tau dL1_k rho
    //                             = dL1_k mu + gamma dL2_k.
    const int np = prof.num_params();
    const double mu = 2.0 * gamma * d.L1 + (tau - gamma) * rho;
    for (int k = 0; k < np; ++k) {
      const double Ck = dL1[k] * mu + gamma * dL2[k];
      jac[(kGeometricParams + k) * jstride] = aI * (dL[k] * corr + lap * Ck);
    }
    // Geometric parameters p (x, y, q, PA) move w by (dwa, dwb), the metric's w.G.w by wGpw and
    // tau by tau_p. With r_p = rho (w . dw), gamma_p = rho^2 (2 Gw . dw + wGpw) - 2 gamma rho r_p,
    // C_p = gamma_p B + C_r r_p + tau_p L1 rho and d value/dp = aI (L1 r_p corr + lap C_p), the
    // column is linear in (dwa, dwb, wGpw, tau_p):
    //   d value/dp = Pa dwa + Pb dwb + T wGpw + A3 tau_p,
    // with S = (A1 - 2 A2 gamma rho) rho, T = A2 rho^2, Pa = S wa + 2 T Gwa, Pb = S wb + 2 T Gwb,
    // A1 = aI (L1 corr + lap C_r), A2 = aI lap B, A3 = aI lap L1 rho: the per-cell factors once,
    // then a few products per column (C_r: the coefficient of r_p in dC/dp).
    const double C_r = gamma * (2.0 * d.L1 * d.L2 + d.L3 - d.L2 * rho + d.L1 * rho * rho) +
                       tau * (d.L2 * rho - d.L1 * rho * rho);
    const double A1 = aI * (d.L1 * corr + lap * C_r);
    const double A2 = aI * lap * B;
    const double A3 = aI * lap * L1rho;
    const double S = (A1 - 2.0 * A2 * gamma * rho) * rho;
    const double T = A2 * rho * rho;
    const double Pa = S * wa + 2.0 * T * Gwa;
    const double Pb = S * wb + 2.0 * T * Gwb;
    const double q = g.q, inv_q = g.inv_q;
    jac[0] = g.dw_dxc_a * Pa + g.dw_dxc_b * Pb;
    jac[jstride] = g.dw_dyc_a * Pa + g.dw_dyc_b * Pb;
    // q: dw = (0, -wb / q), wGpw = -2 wb Gwb / q, tau_p = -2 Gbb / q
    jac[2 * jstride] = -inv_q * (wb * (Pb + 2.0 * T * Gwb) + 2.0 * A3 * Gbb);
    // PA: dw = (q wb, -wa / q), wGpw = 2 (q wa Gwb - wb Gwa / q), tau_p = 2 Gab (q - 1/q)
    jac[3 * jstride] = q * wb * Pa - inv_q * wa * Pb + 2.0 * T * (q * wa * Gwb - inv_q * wb * Gwa) +
                       2.0 * A3 * Gab * (q - inv_q);
  }
  return {aI * corr, rel_error, log_upper};
}

}  // namespace POLYCHROME_KERNEL_NAMESPACE
}  // namespace polychrome
