// Exact integral of a radial profile over a cell that holds the profile's
// centre, in polar form, for profiles with an enclosed-light function F(R).
//
// In circularised coordinates w (elliptical radius = |w|, plane area = q x
// w-area) the integral of I(|w|) over a polygon is, edge by edge,
//     int over the triangle (0, W_k, W_k+1) = int F(|w(t)|) / |w(t)|^2 (W_k x W_k+1) dt,
// with w(t) = W_k + t (W_k+1 - W_k) and F(R) = int_0^R I(r) r dr. Along an
// edge at distance p from the centre, with s the position from the foot of
// the perpendicular and s = p sinh(u), that is  int F(p cosh u) / cosh u du:
// smooth in u however close the edge passes to the centre, so Gauss-Legendre
// converges fast on each side of the foot. No cusp is ever sampled.
//
// The Jacobian is the same quadrature (nodes fixed in t) applied to the
// derivative of the integrand: profile parameters through dF/dp, geometric
// ones through the motion of the polygon's corners in w.
#pragma once

#include <array>
#include <cmath>

#include "polychrome/cell_quadrature.hpp"
#include "polychrome/ellipse.hpp"
#include "polychrome/fast_math.hpp"
#include "polychrome/profile.hpp"

namespace polychrome {

namespace detail {

// 8-point Gauss-Legendre nodes and weights on [-1, 1] (positive half).
constexpr int kPolarHalfNodes = 4;
constexpr std::array<double, kPolarHalfNodes> kPolarNodes = {
    0.1834346424956497800806687, 0.5255324099163289908176466, 0.7966664774136267279658341,
    0.9602898564975361761497652};
constexpr std::array<double, kPolarHalfNodes> kPolarWeights = {
    0.3626837833783616571459163, 0.3137066458778868804913031, 0.2223810344533744265405062,
    0.1012285362903770635778500};
// Longest stretch of u integrated by one 8-point rule (u spans ln(2 s / p)).
// Checked against the exact reference: 3e-7 worst relative error of the
// centre pixel over n in [0.36, 10], q in [0.1, 1], Re in [0.05, 50] px.
constexpr double kPolarMaxSpan = 2.0;
// Smallest radius (arcsec) at which the Jacobian's integrand is evaluated:
// far below the smallest profile the ranges allow (1e-12 px of 1e-30 arcsec).
constexpr double kMinPolarRadius = 1e-140;
// Largest (distance along an edge) / (distance of the edge from the centre) integrated.
constexpr double kMaxEdgeRatio = 1e300;

// dw/dp for the geometric parameters (x, y, q, PA) at a corner w.
inline void corner_derivatives(const EllipseGeometry& g, double wa, double wb,
                               double (&dwa)[kGeometricParams], double (&dwb)[kGeometricParams]) {
  dwa[0] = g.dw_dxc_a;
  dwb[0] = g.dw_dxc_b;
  dwa[1] = g.dw_dyc_a;
  dwb[1] = g.dw_dyc_b;
  dwa[2] = 0.0;
  dwb[2] = -wb * g.inv_q;
  dwa[3] = g.q * wb;
  dwb[3] = -wa * g.inv_q;
}

}  // namespace detail

/// Integral (flux) of the profile over the square cell [u0, u0+h] x [v0, v0+h]
/// in pixel coordinates; with jac != nullptr also d/dparam into jac[p * jstride].
template <class Profile>
double integrate_cell_polar(const EllipseGeometry& g, const Profile& prof, double u0, double v0,
                            double h, double* jac, std::ptrdiff_t jstride) {
  const int np_profile = prof.num_params();
  const int np = kGeometricParams + np_profile;
  const double cu[4] = {u0, u0 + h, u0 + h, u0};
  const double cv[4] = {v0, v0, v0 + h, v0 + h};
  double Wa[4], Wb[4];
  for (int k = 0; k < 4; ++k) {
    Wa[k] = g.w0a + g.APaa * cu[k] + g.APab * cv[k];
    Wb[k] = g.w0b + g.APba * cu[k] + g.APbb * cv[k];
  }
  double total = 0.0;
  double dtotal[Profile::kMaxParams + kGeometricParams] = {};
  double dF[Profile::kMaxParams];

  for (int k = 0; k < 4; ++k) {
    const int k1 = (k + 1) & 3;
    const double Aa = Wa[k], Ab = Wb[k];
    const double da = Wa[k1] - Aa, db = Wb[k1] - Ab;
    const double len2 = da * da + db * db;
    const double cross = Aa * Wb[k1] - Ab * Wa[k1];
    if (len2 <= 0.0) continue;
    const double len = std::sqrt(len2);
    const double p = std::abs(cross) / len;  // distance of the edge's line from the centre
    if (!(p > 0.0)) continue;                // the edge passes through the centre: no area
    const double t0 = -(Aa * da + Ab * db) / len2;  // foot of the perpendicular
    double dAa[kGeometricParams] = {}, dAb[kGeometricParams] = {}, dBa[kGeometricParams] = {},
           dBb[kGeometricParams] = {};
    if (jac) {
      detail::corner_derivatives(g, Aa, Ab, dAa, dAb);
      detail::corner_derivatives(g, Wa[k1], Wb[k1], dBa, dBb);
    }
    // The two sides of the foot, each as a range of |s|.
    const double s_start = -t0 * len, s_end = (1.0 - t0) * len;
    const double sides[2][2] = {{s_start, std::min(s_end, 0.0)}, {std::max(s_start, 0.0), s_end}};
    for (const auto& side : sides) {
      if (!(side[1] > side[0])) continue;
      const double a1 = std::abs(side[0]), a2 = std::abs(side[1]);
      // The ratios are capped (asinh(1e300) ~ 691): an edge passing within
      // 1e-300 of its length from the centre bounds a sliver whose light is
      // negligible, and an infinite u would overflow the int of pieces.
      const double u_lo = std::asinh(std::min(std::min(a1, a2) / p, detail::kMaxEdgeRatio));
      const double u_hi = std::asinh(std::min(std::max(a1, a2) / p, detail::kMaxEdgeRatio));
      const double sign = side[1] <= 0.0 ? -1.0 : 1.0;  // which side of the foot
      const int pieces = 1 + static_cast<int>((u_hi - u_lo) / detail::kPolarMaxSpan);
      const double piece = (u_hi - u_lo) / pieces;
      for (int m = 0; m < pieces; ++m) {
        const double centre = u_lo + (m + 0.5) * piece, half = 0.5 * piece;
        for (int node = 0; node < 2 * detail::kPolarHalfNodes; ++node) {
          const int idx = node % detail::kPolarHalfNodes;
          const double x = node < detail::kPolarHalfNodes ? -detail::kPolarNodes[idx] : detail::kPolarNodes[idx];
          const double u = centre + half * x;
          const double weight_u = half * detail::kPolarWeights[idx];
          const double cosh_u = std::cosh(u);
          const double rho = p * cosh_u;
          double F;
          prof.enclosed(rho, &F, dF);
          // integrand in u: F / cosh u, oriented by the sign of the cross product
          const double orient = cross > 0.0 ? 1.0 : -1.0;
          total += orient * weight_u * F / cosh_u;
          if (!jac) continue;
          // Same node as a point t on the edge, with its weight in t.
          const double t = t0 + sign * p * std::sinh(u) / len;
          const double weight_t = weight_u * p * cosh_u / len;
          const double wa = Aa + t * da, wb = Ab + t * db;
          // An edge passing within ~1e-300 of the centre: its nodes evaluated
          // at kMinPolarRadius (where F / r^2 is I(0) / 2 to rounding) keep
          // r^2 and 1 / r^2 finite.
          const double r = std::max(rho, detail::kMinPolarRadius);
          const double r2 = r * r;
          double F_r = F;
          if (r != rho) prof.enclosed(r, &F_r, dF);
          const double g_val = F_r / r2;  // F(|w|) / |w|^2
          Radius rad{r2, r, 1.0 / r, std::log(r)};
          LogDerivatives ld{};
          prof.eval(rad, ld);
          const double I = std::exp(ld.L);
          const double grad = (I - 2.0 * g_val) / r2;  // grad g = grad * w
          for (int q = 0; q < kGeometricParams; ++q) {
            const double wpa = (1.0 - t) * dAa[q] + t * dBa[q];
            const double wpb = (1.0 - t) * dAb[q] + t * dBb[q];
            const double cross_p = dAa[q] * Wb[k1] - dAb[q] * Wa[k1] + Aa * dBb[q] - Ab * dBa[q];
            dtotal[q] += weight_t * (grad * (wa * wpa + wb * wpb) * cross + g_val * cross_p);
          }
          for (int q = 0; q < np_profile; ++q)
            dtotal[kGeometricParams + q] += weight_t * dF[q] / r2 * cross;
        }
      }
    }
  }
  // The polygon's orientation in w fixes the overall sign; area scales by q.
  const double orientation = (g.APaa * g.APbb - g.APab * g.APba) > 0.0 ? 1.0 : -1.0;
  const double value = orientation * g.q * total;
  if (jac) {
    for (int q = 0; q < np; ++q) jac[q * jstride] = orientation * g.q * dtotal[q];
    jac[2 * jstride] += value / g.q;  // the area factor q
  }
  return value;
}

}  // namespace polychrome
