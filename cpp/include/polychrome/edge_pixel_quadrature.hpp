// Exact integral of a compact profile (I = 0 beyond an edge radius Re, I ~ (Re - r)^alpha inside it)
// over a pixel that does not hold the profile's centre, and its Jacobian.
//
// In circularised coordinates w the integral over a polygon is, by its triangle fan from the centre,
//     sum over sides of  int H(|w(t)|) / |w(t)|^2 (W_k x W_k+1) dt
// for any H(R) = F(R) - F(R_ref) (F the enclosed light): the sides' angles sum to 0 when the polygon
// does not hold the centre, so a constant drops out. With R_ref = Re,
//     H(R) = -int_R^Re I(r) r dr  inside the edge,   H = 0 beyond it,
// so that only the part of each side inside the edge circle (one interval, the disc being convex)
// contributes, H needs no closed form (a 1-D quadrature of I r dr towards the edge) and no large F
// values cancel. Along a side, with s the position from the foot of the perpendicular and
// dl = sqrt(Re^2 - p^2) the crossings at s = -dl, +dl, the integrand behaves like
// (distance to the crossing)^(alpha + 1): each half of the inside interval is integrated in x with
// s = end + L x^3 (x in [0, 1]), which turns that into x^(3 alpha + 5), integrated by 8-point
// Gauss-Legendre on [0, 1/2] and [1/2, 1] to ~1e-12 of the pixel whatever alpha (one piece left
// ~7e-10 at alpha = 0.1). The radial integrals H at the outer nodes
// are accumulated from the edge inwards over the nodes sorted by z = Re - r: the first piece
// [0, z_1] in y with z = z_1 y^6 (the power law z^alpha becomes y^(6 alpha + 5)), the following
// ones by Gauss-Legendre on pieces no longer than an octave of z (8 points; 2 to 4 where the piece is
// short against its distance from the edge).
// Cost (counted over the 258 crossed pixels of the ferrer zoo row, rout = 40 px, q = 0.6): ~500 profile
// evaluations a pixel for the value, ~690 with the Jacobian, whatever alpha.
//
// The Jacobian: the same quadrature (nodes fixed in x) of the integrand's derivative. Geometric
// parameters move the corners (add_edge_derivatives, with H for F: H' = I r as F' is); the moving
// split points add nothing (the integrand is 0 at the crossing and beyond). Profile parameters
// through dH/dp = -int_R^Re dI/dp r dr (dI/dp = I dL/dp, no singularity for a parameter that does
// not move the edge) but for the edge radius's parameter, whose dI/dp ~ (Re - r)^(alpha - 1) has no
// useful quadrature: the profile gives dH/dp for it by an integration by parts, from H, I(R) and
// M(R) = int_R^Re I(r) a(r) r dr, a regular integral of an auxiliary factor a(r) it names, accumulated
// with H (Ferrer: none, I depends on r / rout alone; King: a = 1 / s(r)).
//
// A profile takes part by providing (besides edge_radius() and eval_with_params):
//   static constexpr int kEdgeRadiusParam;       // index of the parameter that moves the edge
//   double edge_auxiliary(double r) const;       // a(r)
//   double edge_radius_derivative(double R, double H, double I_R, double M) const;
//       // dH/dp for that parameter at R
#pragma once

#include <algorithm>
#include <cmath>
#include <numeric>
#include <type_traits>
#include <vector>

#include "polychrome/ellipse.hpp"
#include "polychrome/fast_math.hpp"
#include "polychrome/inline.hpp"
#include "polychrome/kernel_namespace.hpp"
#include "polychrome/polar_quadrature.hpp"
#include "polychrome/profile.hpp"

namespace polychrome {

/// Whether a compact profile provides what integrate_edge_cell needs (see edge_pixel_quadrature.hpp).
template <class Profile, class = void>
struct HasEdgePixelIntegral : std::false_type {};

template <class Profile>
struct HasEdgePixelIntegral<Profile, std::void_t<decltype(&Profile::edge_radius_derivative)>>
    : std::bool_constant<HasEdge<Profile>::value> {};

namespace POLYCHROME_KERNEL_NAMESPACE {

namespace detail {

// Exponent of the algebraic substitutions towards the edge: along a side s = end + L x^3, in the
// radial integral's first piece z = z_1 y^6.
constexpr int kSideGrading = 3;
constexpr int kRadialGrading = 6;
// Pieces in x of each half side (8 Gauss-Legendre points each).
constexpr int kSidePieces = 2;
// The radial integral's pieces take the fewest Gauss-Legendre points that integrate a power law z^alpha
// (alpha <= 10) over [a, a + h] to ~1e-11 of its light: the n-point rule's relative error is about
// (n!)^4 / ((2n + 1) ((2n)!)^3) |alpha (alpha - 1) ... (alpha - 2n + 1)| (h / a)^(2n).
constexpr double kTwoPointRatio = 1.0 / 2048.0;
constexpr double kThreePointRatio = 1.0 / 64.0;
constexpr double kFourPointRatio = 1.0 / 8.0;

// x^k for a small integer k >= 0.
template <int k>
double power_of(double x) {
  double result = 1.0;
  for (int i = 0; i < k; ++i) result *= x;
  return result;
}

// One node of the outer (along-side) quadrature that lies inside the edge.
template <int kMaxParams>
struct EdgeNode {
  int side;
  double s, weight_t, r, z;
  double J;                   // int_0^z I(Re - z') (Re - z') dz' = -H
  double dJ[kMaxParams];      // its derivatives; M for the edge radius's parameter
};

// n-point Gauss-Legendre (n = 2, 3, 4) on [centre - half, centre + half]: node(x, weight) per node.
template <class Node>
void gauss_legendre_small(int n, double centre, double half, Node&& node) {
  if (n == 2) {
    constexpr double x = 0.5773502691896257645091488;
    node(centre - half * x, half);
    node(centre + half * x, half);
    return;
  }
  if (n == 3) {
    constexpr double x = 0.7745966692414833770358531, w = 5.0 / 9.0;
    node(centre - half * x, half * w);
    node(centre, half * (8.0 / 9.0));
    node(centre + half * x, half * w);
    return;
  }
  constexpr double x[2] = {0.3399810435848562648026658, 0.8611363115940525752239465};
  constexpr double w[2] = {0.6521451548625461426269361, 0.3478548451374538574730639};
  for (int k = 0; k < 2; ++k) {
    node(centre - half * x[k], half * w[k]);
    node(centre + half * x[k], half * w[k]);
  }
}

// The radial integral's nodes (z, weight) towards the edge, appended in order: one vector loop then
// evaluates their integrands (radial_integrands), whose running sums give J and dJ at every outer node.
struct RadialNodes {
  std::vector<double> z, weight;

  void add(double at, double w) {
    z.push_back(at);
    weight.push_back(w);
  }

  // int over [a, b] (0 < a < b): pieces of at most an octave, fewer points where short.
  void segment(double a, double b) {
    while (a < b) {
      const double top = std::min(2.0 * a, b);
      const auto node = [&](double at, double w) { add(at, w); };
      const double h = top - a;
      if (h <= kFourPointRatio * a)
        gauss_legendre_small(h <= kTwoPointRatio * a ? 2 : h <= kThreePointRatio * a ? 3 : 4, 0.5 * (a + top),
                             0.5 * h, node);
      else
        gauss_legendre_8(0.5 * (a + top), 0.5 * (top - a), node);
      a = top;
    }
  }

  // int over [0, z1] with z = z1 y^kRadialGrading.
  void first_piece(double z1) {
    gauss_legendre_8(0.5, 0.5, [&](double y, double w) {
      const double y_k1 = power_of<kRadialGrading - 1>(y);  // y^(k - 1)
      add(z1 * y_k1 * y, w * kRadialGrading * z1 * y_k1);
    });
  }
};

// One radial node's integrand weight I(r) r at r = Re - z (0 where r <= 0) into *f; with kParams also f dL/dp
// into df[p * stride] for every parameter but the edge radius's, whose row holds f a(r) (the auxiliary factor
// of M, see the header). A function of its own so that its arrays are plain locals (the loop vectorises).
template <class Profile, bool kParams>
POLYCHROME_INLINE void radial_integrand(const Profile& prof, double Re, double z, double weight, double* f,
                                        double* df, std::ptrdiff_t stride) {
  const double r_raw = Re - z;
  const bool inside = r_raw > 0.0;
  const double r = inside ? r_raw : Re;  // (any radius: the node's weight is 0)
  const Radius rad{r * r, r, 1.0 / r, fast_log(r)};
  LogDerivatives ld{};
  if constexpr (!kParams) {
    prof.eval(rad, ld);
    *f = inside ? weight * fast_exp(ld.L) * r : 0.0;
  } else {
    double dL[Profile::kMaxParams], dL1[Profile::kMaxParams], dL2[Profile::kMaxParams];
    prof.eval_with_params(rad, ld, dL, dL1, dL2);
    const double value = inside ? weight * fast_exp(ld.L) * r : 0.0;
    *f = value;
    dL[Profile::kEdgeRadiusParam] = prof.edge_auxiliary(r);
    for (int q = 0; q < Profile::kMaxParams; ++q) df[q * stride] = value * dL[q];
  }
}

// The integrands of the n radial nodes (z, weight) into f (and with kParams df, kMaxParams rows of stride n).
template <class Profile, bool kParams>
void radial_integrands(const Profile& prof, double Re, const double* z, const double* weight, std::size_t n,
                       double* f, double* df) {
  const std::ptrdiff_t count = static_cast<std::ptrdiff_t>(n);
#pragma omp simd
  for (std::ptrdiff_t k = 0; k < count; ++k)
    radial_integrand<Profile, kParams>(prof, Re, z[k], weight[k], f + k, df + k, count);
}

// I at the n radii r (all inside the edge) into I (one vector loop).
template <class Profile>
void brightness_at(const Profile& prof, const double* r, std::size_t n, double* I) {
  const std::ptrdiff_t count = static_cast<std::ptrdiff_t>(n);
#pragma omp simd
  for (std::ptrdiff_t k = 0; k < count; ++k) {
    const Radius rad{r[k] * r[k], r[k], 1.0 / r[k], fast_log(r[k])};
    LogDerivatives ld{};
    prof.eval(rad, ld);
    I[k] = fast_exp(ld.L);
  }
}

}  // namespace detail

/// Integral (flux) of a compact profile over the square cell [u0, u0+h] x [v0, v0+h] (pixel coordinates)
/// that does not hold the profile's centre, exact to ~1e-10 of its value whatever the edge's exponent;
/// with jac != nullptr also d/dparam (x, y, q, PA, then the profile's) into jac[p * jstride]. The number
/// of profile evaluations is added to *evaluations when that is not null.
template <class Profile>
double integrate_edge_cell(const EllipseGeometry& g, const Profile& prof, double u0, double v0, double h,
                           double* jac, std::ptrdiff_t jstride, long* evaluations = nullptr) {
  constexpr int kMaxParams = Profile::kMaxParams;
  const int np_profile = prof.num_params();
  const int np = kGeometricParams + np_profile;
  const double Re = prof.edge_radius();
  double Wa[4], Wb[4];
  detail::cell_corners(g, u0, v0, h, Wa, Wb);
  detail::PolarEdge sides[4];
  std::vector<detail::EdgeNode<kMaxParams>> nodes;
  nodes.reserve(4 * 2 * 8);
  for (int k = 0; k < 4; ++k) {
    detail::PolarEdge& e = sides[k];
    if (!detail::make_polar_edge(g, Wa, Wb, k, jac != nullptr, e)) continue;
    if (!(e.p < Re)) continue;
    const double dl = std::sqrt((Re - e.p) * (Re + e.p));  // the crossings lie at s = -dl, +dl
    const double s_start = -e.t0 * e.len, s_end = (1.0 - e.t0) * e.len;
    const double sa = std::max(s_start, -dl), sb = std::min(s_end, dl);
    if (!(sb > sa)) continue;
    // distances from each end of the inside interval to the crossing beyond it
    const double gap_a = s_start > -dl ? s_start + dl : 0.0;
    const double gap_b = s_end < dl ? dl - s_end : 0.0;
    const double half = 0.5 * (sb - sa);
    // each half: s = end +- half x^3, x in [0, 1]
    for (int piece = 0; piece < 2 * detail::kSidePieces; ++piece) {
      const int end = piece / detail::kSidePieces;
      const double x_half = 0.5 / detail::kSidePieces;
      detail::gauss_legendre_8((piece % detail::kSidePieces + 0.5) * 2.0 * x_half, x_half, [&](double x, double w) {
        const double x_k1 = detail::power_of<detail::kSideGrading - 1>(x);  // x^(k - 1)
        const double offset = half * x_k1 * x;
        const double s = end == 0 ? sa + offset : sb - offset;
        // dl - |s|, exact near the crossing at this end
        double gap;
        if (end == 0)
          gap = s <= 0.0 ? gap_a + offset : dl - s;
        else
          gap = s >= 0.0 ? gap_b + offset : dl + s;
        if (!(gap > 0.0)) return;
        const double r = std::sqrt(e.p * e.p + s * s);
        const double z = gap * (2.0 * dl - gap) / (Re + r);
        if (!(z > 0.0)) return;
        detail::EdgeNode<kMaxParams> n{};
        n.side = k;
        n.s = s;
        n.weight_t = w * detail::kSideGrading * half * x_k1 / e.len;
        n.r = r;
        n.z = z;
        nodes.push_back(n);
      });
    }
  }

  // H at every node: accumulated from the edge inwards over the nodes sorted by z, the radial nodes first
  // laid out (ends: how many precede each outer node's H), then evaluated in one vector loop.
  std::vector<int> order(nodes.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int a, int b) { return nodes[a].z < nodes[b].z; });
  detail::RadialNodes radial;
  radial.z.reserve(8 * nodes.size() + 8);
  radial.weight.reserve(8 * nodes.size() + 8);
  std::vector<std::size_t> ends(nodes.size());
  double z_done = 0.0;
  for (std::size_t i = 0; i < order.size(); ++i) {
    const double z = nodes[static_cast<std::size_t>(order[i])].z;
    if (z_done == 0.0)
      radial.first_piece(z);
    else if (z > z_done)
      radial.segment(z_done, z);
    z_done = std::max(z_done, z);
    ends[i] = radial.z.size();
  }
  const std::size_t nr = radial.z.size();
  const bool with_params = jac != nullptr;
  std::vector<double> f(nr), df(with_params ? nr * static_cast<std::size_t>(kMaxParams) : 0);
  if (with_params)
    detail::radial_integrands<Profile, true>(prof, Re, radial.z.data(), radial.weight.data(), nr, f.data(), df.data());
  else
    detail::radial_integrands<Profile, false>(prof, Re, radial.z.data(), radial.weight.data(), nr, f.data(), nullptr);
  double J = 0.0, dJ[kMaxParams] = {};
  std::size_t done = 0;
  for (std::size_t i = 0; i < order.size(); ++i) {
    for (; done < ends[i]; ++done) {
      J += f[done];
      if (with_params)
        for (int q = 0; q < np_profile; ++q) dJ[q] += df[static_cast<std::size_t>(q) * nr + done];
    }
    auto& n = nodes[static_cast<std::size_t>(order[i])];
    n.J = J;
    for (int q = 0; q < np_profile; ++q) n.dJ[q] = dJ[q];
  }
  long count = static_cast<long>(nr);

  double total = 0.0;
  double dtotal[kMaxParams + kGeometricParams] = {};
  double dH[kMaxParams];
  std::vector<double> node_r, node_I;
  if (with_params) {
    for (const auto& n : nodes) node_r.push_back(n.r);
    node_I.resize(nodes.size());
    detail::brightness_at(prof, node_r.data(), nodes.size(), node_I.data());
    count += static_cast<long>(nodes.size());
  }
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const auto& n = nodes[i];
    const detail::PolarEdge& e = sides[n.side];
    const double H = -n.J;
    total += n.weight_t * (H / n.r) * (e.cross / n.r);
    if (!with_params) continue;
    for (int q = 0; q < np_profile; ++q) dH[q] = -n.dJ[q];
    dH[Profile::kEdgeRadiusParam] =
        prof.edge_radius_derivative(n.r, H, node_I[i], n.dJ[Profile::kEdgeRadiusParam]);
    detail::add_edge_derivatives(prof, e, n.s, n.weight_t, n.r, H, dH, node_I[i], dtotal);
  }
  if (evaluations) *evaluations += count;
  return detail::polygon_integral(g, total, dtotal, np, jac, jstride);
}

}  // namespace POLYCHROME_KERNEL_NAMESPACE
}  // namespace polychrome
