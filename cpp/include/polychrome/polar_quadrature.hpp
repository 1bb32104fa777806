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
// An edge passing at or within kNearCentreRatio of its length from the centre
// (the centre on or next to a pixel edge's line) is integrated in s instead,
// graded in ln s towards the foot: the u-range would be unbounded there, and
// although the edge's area goes to 0 its derivatives do not.
//
// The Jacobian is the same quadrature (nodes fixed in t) applied to the
// derivative of the integrand: profile parameters through dF/dp, geometric
// ones through the motion of the polygon's corners in w.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <type_traits>
#include <utility>

#include "polychrome/cell_quadrature.hpp"
#include "polychrome/ellipse.hpp"
#include "polychrome/kernel_namespace.hpp"
#include "polychrome/fast_math.hpp"
#include "polychrome/profile.hpp"

namespace polychrome {
namespace POLYCHROME_KERNEL_NAMESPACE {

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
// Smallest radius at which the integrand is evaluated, as a fraction of the
// profile's size. F / r^2 is bounded (I(0) / 2 at the centre), so the light
// inside it is negligible even next to a Sersic n = 10 core (I falls to
// I(0) / 2 at 1e-15 Re); F and dF neither underflow nor turn NaN there
// (x = b (r / Re)^(1/n) stays above 1e-170 for n >= 0.36).
constexpr double kMinPolarRadiusRatio = 1e-60;
// An edge whose line passes closer to the centre than this fraction of its
// length is integrated in s (near_centre_edge), not in u = asinh(s / p).
constexpr double kNearCentreRatio = 1e-6;

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

// The 8-point rule on [centre - half, centre + half]: node(x, weight) per node.
template <class Node>
void gauss_legendre_8(double centre, double half, Node&& node) {
  for (int k = 0; k < 2 * kPolarHalfNodes; ++k) {
    const int idx = k % kPolarHalfNodes;
    const double x = k < kPolarHalfNodes ? -kPolarNodes[idx] : kPolarNodes[idx];
    node(centre + half * x, half * kPolarWeights[idx]);
  }
}

// The 8-point rule on [lo, hi] (0 < lo < hi) split into pieces of at most
// kPolarMaxSpan in ln s: node(s, weight) per node. Exact to the rule's order
// for a cusp s^a at 0 (a Sersic core), whose ln s form is smooth.
template <class Node>
void gauss_legendre_log_graded(double lo, double hi, Node&& node) {
  const double v_lo = std::log(lo), v_hi = std::log(hi);
  const int pieces = 1 + static_cast<int>((v_hi - v_lo) / kPolarMaxSpan);
  const double piece = (v_hi - v_lo) / pieces;
  for (int m = 0; m < pieces; ++m)
    gauss_legendre_8(v_lo + (m + 0.5) * piece, 0.5 * piece, [&](double v, double weight) {
      const double s = std::exp(v);
      node(s, weight * s);
    });
}

// One edge (W_k -> W_k+1) of the cell in w, and the derivatives of its corners.
struct PolarEdge {
  double Aa, Ab, Ba, Bb;  // the corners
  double len;             // |B - A|
  double cross;           // A x B: twice the signed area of the triangle (0, A, B)
  double p;               // distance of the edge's line from the centre, |cross| / len
  double t0;              // foot of the perpendicular, as a fraction of the edge
  // With the Jacobian, per geometric parameter: the motion w' of the point at t along the edge,
  // w' = (1 - t) A' + t B', projected on the edge's normal (eb, -ea) and on the edge (ea, eb),
  // each as its value at A plus t times its change to B, and the derivative of the cross product.
  double normal_at_a[kGeometricParams], normal_change[kGeometricParams];
  double along_at_a[kGeometricParams], along_change[kGeometricParams];
  double cross_derivative[kGeometricParams];
};

// The corners in w of the square cell [u0, u0 + h] x [v0, v0 + h] (pixel coordinates), counter-clockwise
// in pixel coordinates from (u0, v0).
inline void cell_corners(const EllipseGeometry& g, double u0, double v0, double h, double* Wa, double* Wb) {
  const double cu[4] = {u0, u0 + h, u0 + h, u0};
  const double cv[4] = {v0, v0, v0 + h, v0 + h};
  for (int k = 0; k < 4; ++k) {
    Wa[k] = g.w0a + g.APaa * cu[k] + g.APab * cv[k];
    Wb[k] = g.w0b + g.APba * cu[k] + g.APbb * cv[k];
  }
}

// A triangle fan's sum (total, and dtotal[np] when jac) as the cell's integral in the plane (flux),
// its Jacobian into jac[q * jstride]: the polygon's orientation in w fixes the overall sign; area
// scales by q (whose column gains the area factor's own derivative).
inline double polygon_integral(const EllipseGeometry& g, double total, const double* dtotal, int np, double* jac,
                               std::ptrdiff_t jstride) {
  const double orientation = (g.APaa * g.APbb - g.APab * g.APba) > 0.0 ? 1.0 : -1.0;
  const double value = orientation * g.q * total;
  if (jac) {
    for (int q = 0; q < np; ++q) jac[q * jstride] = orientation * g.q * dtotal[q];
    jac[2 * jstride] += value / g.q;
  }
  return value;
}

// The side from corner k to corner k + 1 of the cell whose corners in w are (Wa, Wb)[0..3], into e
// (the corners' motion too when with_jac); false for a side of zero length (nothing to integrate).
inline bool make_polar_edge(const EllipseGeometry& g, const double* Wa, const double* Wb, int k, bool with_jac,
                            PolarEdge& e) {
  const int k1 = (k + 1) & 3;
  e.Aa = Wa[k];
  e.Ab = Wb[k];
  e.Ba = Wa[k1];
  e.Bb = Wb[k1];
  const double da = e.Ba - e.Aa, db = e.Bb - e.Ab;
  const double len2 = da * da + db * db;
  if (!(len2 > 0.0)) return false;
  e.len = std::sqrt(len2);
  e.cross = e.Aa * e.Bb - e.Ab * e.Ba;
  e.p = std::abs(e.cross) / e.len;
  e.t0 = -(e.Aa * da + e.Ab * db) / len2;
  if (with_jac) {
    double dAa[kGeometricParams], dAb[kGeometricParams], dBa[kGeometricParams], dBb[kGeometricParams];
    corner_derivatives(g, e.Aa, e.Ab, dAa, dAb);
    corner_derivatives(g, e.Ba, e.Bb, dBa, dBb);
    const double ea = da / e.len, eb = db / e.len;  // unit vector along the edge
    for (int q = 0; q < kGeometricParams; ++q) {
      const double normal_a = eb * dAa[q] - ea * dAb[q], normal_b = eb * dBa[q] - ea * dBb[q];
      const double along_a = ea * dAa[q] + eb * dAb[q], along_b = ea * dBa[q] + eb * dBb[q];
      e.normal_at_a[q] = normal_a;
      e.normal_change[q] = normal_b - normal_a;
      e.along_at_a[q] = along_a;
      e.along_change[q] = along_b - along_a;
      e.cross_derivative[q] = dAa[q] * e.Bb - dAb[q] * e.Ba + e.Aa * dBb[q] - e.Ab * dBa[q];
    }
  }
  return true;
}

// Adds to dtotal the derivative terms of one node of an edge: the point at
// signed distance s from the foot (t = t0 + s / len), |w| = sqrt(p^2 + s^2),
// evaluated at r = max(|w|, the smallest radius) where F (and dF) were taken.
// Every factor is bounded however close the edge passes to the centre:
//   d/dtheta [g(w) cross] = (I - 2 g) (w.w') cross / r^2 + g cross'
// with g = F / r^2 <= I(0) / 2 and w.w' cross / r^2 written through p / r
// and s / r (both <= 1), never through 1 / r^2.
// I_r: the profile's I(r) (flux/arcsec^2), from enclosed_and_intensity or the caller's own nodes.
template <class Profile>
void add_edge_derivatives(const Profile& prof, const PolarEdge& e, double s, double weight_t, double r,
                          double F, const double* dF, double I_r, double* dtotal) {
  const double t = e.t0 + s / e.len;
  const double g_val = F / r / r;  // F(|w|) / |w|^2
  const double excess = I_r - 2.0 * g_val;  // I - 2 g: grad g = excess / r^2 * w
  // (w.w') cross / r^2, with w = foot + s e (e the unit vector along the edge) and cross = sign * p * len:
  // p_r^2 (w' on the normal) + sign p_r s_r (w' along the edge).
  const double orient = e.cross >= 0.0 ? 1.0 : -1.0;
  const double p_r = e.p / r, s_r = s / r;
  const double normal_weight = weight_t * excess * e.len * p_r * p_r;
  const double along_weight = weight_t * excess * e.len * orient * p_r * s_r;
  const double cross_weight = weight_t * g_val;
  for (int q = 0; q < kGeometricParams; ++q)
    dtotal[q] += normal_weight * (e.normal_at_a[q] + t * e.normal_change[q]) +
                 along_weight * (e.along_at_a[q] + t * e.along_change[q]) + cross_weight * e.cross_derivative[q];
  for (int q = 0; q < prof.num_params(); ++q)
    dtotal[kGeometricParams + q] += weight_t * (dF[q] / r) * (e.cross / r);
}

// Whether the profile's enclosed light also gives I(R) from the same special functions,
// enclosed(R, &F, dF, &I) (a Sersic: dF/dR = I R): the Jacobian's nodes then need no eval and exp.
template <class Profile, class = void>
struct EnclosedGivesIntensity : std::false_type {};
template <class Profile>
struct EnclosedGivesIntensity<Profile, std::void_t<decltype(std::declval<const Profile&>().enclosed(
                                           1.0, std::declval<double*>(), std::declval<double*>(),
                                           std::declval<double*>()))>> : std::true_type {};

// Whether the profile has F(R) alone, enclosed_value(R) (a Sersic: the series without its
// derivative's sums), for the value-only renders' nodes.
template <class Profile, class = void>
struct HasEnclosedValue : std::false_type {};
template <class Profile>
struct HasEnclosedValue<Profile, std::void_t<decltype(std::declval<const Profile&>().enclosed_value(1.0))>>
    : std::true_type {};

// F(r) alone: the value-only node (dF: the profile's scratch where it has no enclosed_value).
template <class Profile>
double enclosed_value(const Profile& prof, double r, double* dF) {
  if constexpr (HasEnclosedValue<Profile>::value) {
    return prof.enclosed_value(r);
  } else {
    double F;
    prof.enclosed(r, &F, dF);
    return F;
  }
}

// F(r), dF and I(r) (flux/arcsec^2) at r > 0: the Jacobian's node.
template <class Profile>
double enclosed_and_intensity(const Profile& prof, double r, double& F, double* dF) {
  if constexpr (EnclosedGivesIntensity<Profile>::value) {
    double I;
    prof.enclosed(r, &F, dF, &I);
    return I;
  } else {
    prof.enclosed(r, &F, dF);
    LogDerivatives ld{};
    prof.eval(Radius{r * r, r, 1.0 / r, std::log(r)}, ld);
    return std::exp(ld.L);
  }
}

// Integral of g(w) cross over an edge passing within kNearCentreRatio of its
// length from the centre (at p == 0 through it), into total, and its
// derivatives into dtotal (when non-null). The nodes lie in s, on each side
// of the foot: one rule on |s| < max(p, r_min), where the integrand is smooth
// (or its light negligible), and the graded rule beyond it. Its
// limit p -> 0+ is the value at p == 0: the triangle's area vanishes, the
// derivative of its cross product does not.
template <class Profile>
void near_centre_edge(const Profile& prof, const PolarEdge& e, double r_min, double& total, double* dtotal) {
  double dF[Profile::kMaxParams];
  const auto node = [&](double s, double weight_s) {
    const double r = std::max(std::sqrt(e.p * e.p + s * s), r_min);
    double F;
    double I_r = 0.0;
    if (dtotal)
      I_r = enclosed_and_intensity(prof, r, F, dF);
    else
      F = enclosed_value(prof, r, dF);
    const double weight_t = weight_s / e.len;
    total += weight_t * (F / r) * (e.cross / r);
    if (dtotal) add_edge_derivatives(prof, e, s, weight_t, r, F, dF, I_r, dtotal);
  };
  const double s_start = -e.t0 * e.len, s_end = (1.0 - e.t0) * e.len;
  const double sides[2][2] = {{s_start, std::min(s_end, 0.0)}, {std::max(s_start, 0.0), s_end}};
  const double inner = std::max(e.p, r_min);
  for (const auto& side : sides) {
    if (!(side[1] > side[0])) continue;
    const double lo = std::min(std::abs(side[0]), std::abs(side[1]));
    const double hi = std::max(std::abs(side[0]), std::abs(side[1]));
    const double sign = side[1] <= 0.0 ? -1.0 : 1.0;  // which side of the foot
    const auto signed_node = [&](double a, double weight) { node(sign * a, weight); };
    if (lo < inner) {
      const double top = std::min(hi, inner);
      gauss_legendre_8(0.5 * (lo + top), 0.5 * (top - lo), signed_node);
    }
    if (hi > std::max(lo, inner)) gauss_legendre_log_graded(std::max(lo, inner), hi, signed_node);
  }
}

}  // namespace detail

/// Integral (flux) of the profile over the square cell [u0, u0+h] x [v0, v0+h]
/// in pixel coordinates; with jac != nullptr also d/dparam into jac[p * jstride].
template <class Profile>
double integrate_cell_polar(const EllipseGeometry& g, const Profile& prof, double u0, double v0,
                            double h, double* jac, std::ptrdiff_t jstride) {
  const int np_profile = prof.num_params();
  const int np = kGeometricParams + np_profile;
  double Wa[4], Wb[4];
  detail::cell_corners(g, u0, v0, h, Wa, Wb);
  double total = 0.0;
  double dtotal[Profile::kMaxParams + kGeometricParams] = {};
  double* const dtotal_or_null = jac ? dtotal : nullptr;
  const double r_min = detail::kMinPolarRadiusRatio * prof.size();
  double dF[Profile::kMaxParams];

  for (int k = 0; k < 4; ++k) {
    detail::PolarEdge e{};
    if (!detail::make_polar_edge(g, Wa, Wb, k, jac != nullptr, e)) continue;
    if (!(e.p >= detail::kNearCentreRatio * e.len)) {
      detail::near_centre_edge(prof, e, r_min, total, dtotal_or_null);
      continue;
    }
    const double p = e.p, len = e.len, t0 = e.t0;
    // The two sides of the foot, each as a range of |s|.
    const double s_start = -t0 * len, s_end = (1.0 - t0) * len;
    const double sides[2][2] = {{s_start, std::min(s_end, 0.0)}, {std::max(s_start, 0.0), s_end}};
    for (const auto& side : sides) {
      if (!(side[1] > side[0])) continue;
      const double a1 = std::abs(side[0]), a2 = std::abs(side[1]);
      const double u_lo = std::asinh(std::min(a1, a2) / p);
      const double u_hi = std::asinh(std::max(a1, a2) / p);
      const double sign = side[1] <= 0.0 ? -1.0 : 1.0;  // which side of the foot
      const int pieces = 1 + static_cast<int>((u_hi - u_lo) / detail::kPolarMaxSpan);
      const double piece = (u_hi - u_lo) / pieces;
      for (int m = 0; m < pieces; ++m) {
        detail::gauss_legendre_8(u_lo + (m + 0.5) * piece, 0.5 * piece, [&](double u, double weight_u) {
          // cosh u and sinh u from one exp (u >= 0; sinh's cancellation near u = 0 costs at most
          // ~1e-16 p in s, where s only weights bounded factors)
          const double exp_u = std::exp(u), inv_exp_u = 1.0 / exp_u;
          const double cosh_u = 0.5 * (exp_u + inv_exp_u);
          const double rho = p * cosh_u;
          double F;
          if (!jac) {
            F = detail::enclosed_value(prof, rho, dF);
          } else {
            // F at r = max(rho, r_min), where the derivatives are taken too (rho < r_min: F is 0 to
            // rounding there either way)
            const double r = std::max(rho, r_min);
            const double I_r = detail::enclosed_and_intensity(prof, r, F, dF);
            const double weight_t = weight_u * p * cosh_u / len;  // the node as a point s on the edge
            const double sinh_u = 0.5 * (exp_u - inv_exp_u);
            detail::add_edge_derivatives(prof, e, sign * p * sinh_u, weight_t, r, F, dF, I_r, dtotal);
            if (r != rho) F = detail::enclosed_value(prof, rho, dF);
          }
          // integrand in u: F / cosh u, oriented by the sign of the cross product
          const double orient = e.cross > 0.0 ? 1.0 : -1.0;
          total += orient * weight_u * F / cosh_u;
        });
      }
    }
  }
  return detail::polygon_integral(g, total, dtotal, np, jac, jstride);
}

}  // namespace POLYCHROME_KERNEL_NAMESPACE
}  // namespace polychrome
