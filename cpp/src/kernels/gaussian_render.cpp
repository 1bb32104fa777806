// The plain elliptical Gaussian I = I0 exp(-r^2 / (2 sigma^2)) rendered near-exactly (every pixel
// and every Jacobian entry to ~1e-13 relative), replacing the adaptive engine for this profile.
//
// Method. In continuous pixel coordinates t = (u, v) the profile is the 2-D Gaussian
// I0 exp(-(t - tc)^T Q (t - tc) / 2), Q = (AP)^T (AP) / sigma^2 (AP: ellipse.hpp's map from pixel
// steps to the circularised plane), whatever the pixel-scale matrix. Of the two pixel axes, the one
// with the larger diagonal entry of Q is integrated analytically ("a"), the other by quadrature
// ("b"): at fixed b the integrand is a 1-D Gaussian in a (mean m(b) = ac - Qab/Qaa (b - bc), width
// s = Qaa^-1/2) times the marginal exp(-(b - bc)^2 det Q / (2 Qaa)), so its integral over the pixel
// edges a_j, a_j+1 is s sqrt(pi/2) (erf(z_j+1) - erf(z_j)), written with erfc of |z| on the side
// where the difference does not cancel (far tails keep their relative accuracy down to
// underflow). The edge values are shared by the pixels either side: one erfc per edge per node.
// Integrated over b, per pixel F_j(b) = int_pixel-edges exp(-q/2) da is a positive mixture of
// Gaussians in b, each of curvature Qbb and of log-slope at most Lambda_j = max over the pixel's
// corners |Qab (a - ac) + Qbb (b - bc)|. n-point Gauss-Legendre on a piece of half-length h
// integrates every such Gaussian to ~1e-13 relative when L = Lambda h and K = Qbb h^2 lie within
// calibrated bounds (n = 6: L <= 0.5, K <= 0.1; n = 8: L <= 3, K <= 0.5; n = 12: L <= 6, K <= 3:
// measured worst cases 1e-14 .. 1e-13 over all slopes and curvatures within them), hence so is
// each pixel, its mixture. A pixel row is one piece when its pixels allow; otherwise the piece is
// halved for the pixels that need it (narrow Gaussians, far tails with steep slopes), and so on.
// Pieces where a pixel's light must underflow are skipped. The Jacobian uses the same nodes: the
// pixel's first and second moments about the centre follow from the same erfc values and
// exp(-z^2) at the edges, and dP/dcentre = P^-T Q M1, dP/dtheta = -1/2 tr(dQ/dtheta M2) for
// theta = q, PA, sigma, dP/dI0 = ln 10 P (I0 is log10).
//
// Accuracy (tests/test_gaussian_exact.py): pixels within 1e-10 relative of independent references
// (measured: ~1e-13 and better) for sigma 0.05..30 px, q 0.05..1, any PA, rotated / non-square
// pixel scales, and in the far tail (10-30 sigma) down to underflow; total flux 2 pi q sigma^2 I0
// to 1e-12 for sigma from 1e-12 to 1e12 px; Jacobian columns match central differences to 1e-7 (the
// differences' own accuracy). Known limits: a pixel dimmer than I0 x area x ~1e-308 (erfc
// underflows past z ~ 26.5) is 0; Gaussians wider than ~1e6 px lose digits in the Jacobian's
// second moments (differences of exp at neighbouring edges). Cost (bench/gaussian_exact_evals.py):
// ~3-11 erfc a pixel for sigma >= 1 px (one a pixel edge a node), more for Gaussians narrower
// than a pixel, whose far wings need short pieces; erfc and exp(-z^2) by the vectorised forms of
// erfc_fast.hpp (~1e-15 relative), the exp shared with the Jacobian.
// The render options' tolerance, faint_fraction, absolute_tolerance and max_depth are validated
// (render.cpp) but not needed here; threads are used over pixel rows (or columns).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "kernels.hpp"
#include "polychrome/erfc_fast.hpp"
#include "polychrome/special_functions.hpp"
#include "polychrome/thread_pool.hpp"
#include "polychrome/threads.hpp"

namespace polychrome::POLYCHROME_KERNEL_NAMESPACE {

namespace {

constexpr double kPi = 3.141592653589793238;
// Halvings of a pixel's piece at most: pieces down to 2^-64 px, enough to resolve the smallest
// Gaussian the render ranges allow (1e-12 px), as the pieces are graded towards its centre; the
// last level uses the 16-point rule whatever it needs.
constexpr int kMaxPieceDepth = 64;
// Below this half-width of a pixel in z = (a - m) / (sqrt 2 s) (and |z| times it), erfc(z0) -
// erfc(z1) would lose more than ~1e-13 to cancellation (Gaussians wider than ~350 px): the
// difference is then summed from its Taylor (Hermite) series about the pixel's middle.
constexpr double kSeriesHalfWidth = 1e-3;
// ln of the smallest positive double and then some: a pixel piece whose light is below
// exp(-kUnderflowExponent) x area x I0 is 0 in double precision.
constexpr double kUnderflowExponent = 745.0;
// ln of the ratio below which a part of a pixel's light (at one b, against the pixel's brightest
// point there) is left out of the quadrature's slope bound: exp(-50) ~ 2e-22.
constexpr double kNegligibleLogRatio = 50.0;

// Gauss-Legendre rule on [-1, 1] (Newton on the Legendre recurrence).
struct GaussRule {
  std::vector<double> x, w;
};

GaussRule gauss_legendre(int n) {
  GaussRule rule;
  gauss_legendre_rule(n, rule.x, rule.w);
  return rule;
}

// erf(z1) - erf(z0) for z1 - z0 = 2d small (d |z| and d below ~1e-3): the Taylor series of
// exp(-z^2) about the middle zm, exp(-(zm + x)^2) = exp(-zm^2) sum_k H_k(zm) (-x)^k / k!, integrated
// over |x| <= d (odd terms vanish); H_k by the Hermite recurrence.
double erf_difference_series(double z0, double z1) {
  const double zm = 0.5 * (z0 + z1), d = 0.5 * (z1 - z0);
  double h_prev = 1.0, h = 2.0 * zm;  // H_(k-1), H_k for k = 1
  double power = d;                   // d^(k+1) / k!, k = 0
  double sum = 2.0 * d;               // the k = 0 term, H_0 2 d / 1
  for (int k = 1; k < 40; ++k) {
    power *= d / k;
    if (k % 2 == 0) {
      const double term = h * 2.0 * power / (k + 1);
      sum += term;
      if (std::abs(term) <= 1e-17 * std::abs(sum)) break;
    }
    const double h_next = 2.0 * zm * h - 2.0 * k * h_prev;
    h_prev = h;
    h = h_next;
  }
  return 2.0 / std::sqrt(kPi) * std::exp(-zm * zm) * sum;
}

// The Gaussian in pixel coordinates (a: analytic axis, b: quadrature axis) and the Jacobian's
// coefficients on the pixel moments.
struct PixelGaussian {
  bool swap = false;  // a = v (rows), b = u (columns)
  int na = 0, nb = 0;
  double ac = 0, bc = 0;
  double Qaa = 0, Qab = 0, Qbb = 0;
  double s = 0;          // width of the Gaussian in a at fixed b (pixels)
  double slope = 0;      // dm/db
  double inv_var_a = 0;  // 1 / (marginal variance of a)
  double inv_var_b = 0;
  double log_scale = 0;  // ln(I0 x pixel area): flux per pixel at unit integrand
  // Jacobian row p (x, y, q, PA, sigma) = sum_k coef[p][k] x moment k, moments (Ma, Mb, Maa,
  // Mab, Mbb) about the centre in (a, b), each including the factor scale.
  double coef[5][5] = {};
};

PixelGaussian make_pixel_gaussian(const PixelGrid& grid, const Ellipse& ellipse,
                                  const GaussianProfile& profile) {
  const EllipseGeometry geo(grid, ellipse);
  const double sigma = profile.size();
  const double inv_s2 = 1.0 / (sigma * sigma);
  // M = AP (rows: w components, columns: u, v); Q = M^T M / sigma^2.
  const double M[2][2] = {{geo.APaa, geo.APab}, {geo.APba, geo.APbb}};
  auto gram = [&](const double (&X)[2][2], const double (&Y)[2][2], int i, int k) {
    return (X[0][i] * Y[0][k] + X[1][i] * Y[1][k]) * inv_s2;
  };
  const double Quv[2][2] = {{gram(M, M, 0, 0), gram(M, M, 0, 1)}, {gram(M, M, 1, 0), gram(M, M, 1, 1)}};
  // dM/dq: second row times -1/q; dM/dPA: rows (q M_b, -M_a / q).
  const double q = ellipse.q;
  const double dMq[2][2] = {{0.0, 0.0}, {-M[1][0] / q, -M[1][1] / q}};
  const double dMpa[2][2] = {{q * M[1][0], q * M[1][1]}, {-M[0][0] / q, -M[0][1] / q}};
  double dQ[3][2][2];  // q, PA, sigma
  for (int i = 0; i < 2; ++i)
    for (int k = 0; k < 2; ++k) {
      dQ[0][i][k] = gram(dMq, M, i, k) + gram(M, dMq, i, k);
      dQ[1][i][k] = gram(dMpa, M, i, k) + gram(M, dMpa, i, k);
      dQ[2][i][k] = -2.0 * Quv[i][k] / sigma;
    }

  PixelGaussian g;
  g.swap = Quv[1][1] > Quv[0][0];
  const int ia = g.swap ? 1 : 0, ib = 1 - ia;
  g.na = g.swap ? grid.ny : grid.nx;
  g.nb = g.swap ? grid.nx : grid.ny;
  const double tc[2] = {geo.center_u, geo.center_v};
  g.ac = tc[ia];
  g.bc = tc[ib];
  g.Qaa = Quv[ia][ia];
  g.Qab = Quv[ia][ib];
  g.Qbb = Quv[ib][ib];
  const double det = g.Qaa * g.Qbb - g.Qab * g.Qab;
  g.s = 1.0 / std::sqrt(g.Qaa);
  g.slope = -g.Qab / g.Qaa;
  g.inv_var_a = det / g.Qbb;
  g.inv_var_b = det / g.Qaa;
  g.log_scale = profile.log_peak() + std::log(geo.area);

  // Centre: dP/dtc = Q M1 (pixel coordinates), dP/dc = P^-T dP/dtc.
  const double pdet = grid.P[0][0] * grid.P[1][1] - grid.P[0][1] * grid.P[1][0];
  const double Pinv[2][2] = {{grid.P[1][1] / pdet, -grid.P[0][1] / pdet},
                             {-grid.P[1][0] / pdet, grid.P[0][0] / pdet}};
  for (int k = 0; k < 2; ++k) {  // k: x, y of the centre
    // sum_i Pinv[i][k] (Q M1)_i, (Q M1)_i = Q[i][a] Ma + Q[i][b] Mb (u, v indices i)
    g.coef[k][0] = Pinv[0][k] * Quv[0][ia] + Pinv[1][k] * Quv[1][ia];
    g.coef[k][1] = Pinv[0][k] * Quv[0][ib] + Pinv[1][k] * Quv[1][ib];
  }
  for (int p = 0; p < 3; ++p) {
    g.coef[2 + p][2] = -0.5 * dQ[p][ia][ia];
    g.coef[2 + p][3] = -dQ[p][ia][ib];
    g.coef[2 + p][4] = -0.5 * dQ[p][ib][ib];
  }
  return g;
}

// Per-thread work space for one line (a pixel row, or a column when swapped).
struct LineScratch {
  std::vector<double> moments;  // kMoments x na: M0, Ma, Mb, Maa, Mab, Mbb
  std::vector<double> erfc_edge, exp_edge;  // na + 1
  std::vector<std::vector<char>> pending;   // per depth: pixels still to integrate on the piece
  std::vector<char> ready;                  // pixels integrated on the current piece
  std::vector<unsigned char> rule;          // their rule (index into the rules)
};

constexpr int kMoments = 6;

// A line's moment rows (kMoments x na, see LineScratch): M0, Ma, Mb, Maa, Mab, Mbb.
struct Moments {
  double *M0, *Ma, *Mb, *Maa, *Mab, *Mbb;
};

class GaussianLineRenderer {
 public:
  GaussianLineRenderer(const PixelGaussian& g, bool jacobian)
      : g_(g), jacobian_(jacobian),
        rules_{gauss_legendre(6), gauss_legendre(8), gauss_legendre(12), gauss_legendre(16)} {}

  void render(double* image, double* jac, int threads, int nx, int ny) const {
    const int team = team_size(threads, static_cast<std::size_t>(nx) * static_cast<std::size_t>(ny),
                               kMinRenderPixelsPerThread);
    std::vector<LineScratch> scratch(static_cast<std::size_t>(team));
    parallel_for(static_cast<std::size_t>(g_.nb), team, [&](std::size_t line, int slot) {
      LineScratch& s = scratch[static_cast<std::size_t>(slot)];
      render_line(static_cast<int>(line), s);
      write_line(static_cast<int>(line), s, image, jac, nx, ny);
    });
  }

 private:
  void render_line(int line, LineScratch& s) const {
    const std::size_t na = static_cast<std::size_t>(g_.na);
    s.moments.assign(kMoments * na, 0.0);
    s.erfc_edge.resize(na + 1);
    s.exp_edge.resize(na + 1);
    s.ready.resize(na);
    s.rule.resize(na);
    s.pending.resize(kMaxPieceDepth + 2);
    for (auto& p : s.pending) p.resize(na);
    std::fill(s.pending[0].begin(), s.pending[0].end(), char{1});
    piece(line - g_.bc, line + 1.0 - g_.bc, 0, 0, g_.na, s);
  }

  // Integrate the pending pixels [lo, hi) of s.pending[depth] over b - bc in [beta0, beta1]
  // (offsets from the centre: exact where a piece ends at the centre, so that nodes near a
  // Gaussian much narrower than a pixel keep their digits).
  void piece(double beta0, double beta1, int depth, int lo, int hi, LineScratch& s) const {
    const double h = 0.5 * (beta1 - beta0);
    const double K = g_.Qbb * h * h;
    const double beta_gap = beta0 > 0.0 ? beta0 : (beta1 < 0.0 ? -beta1 : 0.0);
    const double exponent_b = 0.5 * beta_gap * beta_gap * g_.inv_var_b;
    const double negligible = kUnderflowExponent + std::max(g_.log_scale, 0.0);
    const char* pending = s.pending[static_cast<std::size_t>(depth)].data();
    char* split = s.pending[static_cast<std::size_t>(depth) + 1].data();
    int ready_lo = hi, ready_hi = lo, split_lo = hi, split_hi = lo, rule = -1;
    for (int j = lo; j < hi; ++j) {
      split[j] = 0;
      s.ready[static_cast<std::size_t>(j)] = 0;
      if (!pending[j]) continue;
      const double alpha0 = j - g_.ac, alpha1 = j + 1.0 - g_.ac;
      const double alpha_gap = alpha0 > 0.0 ? alpha0 : (alpha1 < 0.0 ? -alpha1 : 0.0);
      const double exponent = std::max(exponent_b, 0.5 * alpha_gap * alpha_gap * g_.inv_var_a);
      if (exponent > negligible) continue;
      // At fixed b the pixel's light comes from a in [a_j, a_j+1] near the mean m(b): parts farther
      // from m than the pixel's nearest point by more than sqrt(2 kNegligibleLogRatio) s are
      // negligible; the slope bound counts only the rest (else a narrow sheared Gaussian's far
      // corners, with huge slopes but no light, would split its pieces to nothing).
      const double delta0 = g_.slope * beta0, delta1 = g_.slope * beta1;
      auto gap = [&](double delta) { return std::max({alpha0 - delta, delta - alpha1, 0.0}); };
      const double near = std::max(gap(delta0), gap(delta1));
      const double reach = std::sqrt(near * near + 2.0 * kNegligibleLogRatio * g_.s * g_.s);
      const double lit0 = std::max(alpha0, std::min(delta0, delta1) - reach);
      const double lit1 = std::min(alpha1, std::max(delta0, delta1) + reach);
      double lambda = 0.0;
      for (double alpha : {lit0, lit1})
        for (double beta : {beta0, beta1})
          lambda = std::max(lambda, std::abs(g_.Qab * alpha + g_.Qbb * beta));
      const double L = lambda * h;
      int r = -1;
      if (L <= 0.5 && K <= 0.1)
        r = 0;
      else if (L <= 3.0 && K <= 0.5)
        r = 1;
      else if (L <= 6.0 && K <= 3.0)
        r = 2;
      else if (depth >= kMaxPieceDepth)
        r = 3;
      if (r < 0) {
        split[j] = 1;
        split_lo = std::min(split_lo, j);
        split_hi = j + 1;
      } else {
        s.ready[static_cast<std::size_t>(j)] = 1;
        ready_lo = std::min(ready_lo, j);
        ready_hi = j + 1;
        rule = std::max(rule, r);
      }
    }
    if (ready_lo < ready_hi) integrate(beta0, beta1, rules_[rule], ready_lo, ready_hi, s);
    if (split_lo < split_hi) {
      // Split at the centre when it lies inside, so that pieces grade towards it.
      const bool at_centre = beta0 < -1e-3 * h && beta1 > 1e-3 * h;
      const double mid = at_centre ? 0.0 : 0.5 * (beta0 + beta1);
      piece(beta0, mid, depth + 1, split_lo, split_hi, s);
      piece(mid, beta1, depth + 1, split_lo, split_hi, s);
    }
  }

  // Add the rule's estimate over b - bc in [beta0, beta1] of the ready pixels in [lo, hi) to their
  // moments.
  void integrate(double beta0, double beta1, const GaussRule& rule, int lo, int hi,
                 LineScratch& s) const {
    const double h = 0.5 * (beta1 - beta0), mid = 0.5 * (beta0 + beta1);
    const double inv_sqrt2s = 1.0 / (std::sqrt(2.0) * g_.s);
    const double k0 = g_.s * std::sqrt(0.5 * kPi);
    const double s2 = g_.s * g_.s;
    const double half_width = 0.5 * inv_sqrt2s;
    const std::size_t na = static_cast<std::size_t>(g_.na);
    double* M0 = s.moments.data();
    const Moments moments{M0, M0 + na, M0 + 2 * na, M0 + 3 * na, M0 + 4 * na, M0 + 5 * na};
    const char* ready = s.ready.data();
    double* E = s.erfc_edge.data();
    double* G = s.exp_edge.data();
    for (std::size_t k = 0; k < rule.x.size(); ++k) {
      const double beta = mid + h * rule.x[k];
      // I0 x pixel area folded in: a bright profile's faint pixels stay above underflow
      const double weight = h * rule.w[k] * std::exp(g_.log_scale - 0.5 * beta * beta * g_.inv_var_b);
      if (weight == 0.0) continue;
      const double delta = g_.slope * beta;  // m - ac
      const double edge0 = -g_.ac - delta;
#pragma omp simd
      for (int e = lo; e <= hi; ++e) {
        const double z = std::abs((e + edge0) * inv_sqrt2s);
        const double gauss = exp_minus_square(z);
        E[e] = erfc_nonnegative(z, gauss);
        G[e] = gauss;  // (used by the Jacobian only; cheaper than a branch in the loop)
      }
      if (half_width >= kSeriesHalfWidth) {
        // no pixel needs the series (the common case): one vector loop
        if (jacobian_)
          add_moments<true>(lo, hi, weight, beta, delta, edge0, k0, s2, ready, E, G, moments);
        else
          add_moments<false>(lo, hi, weight, beta, delta, edge0, k0, s2, ready, E, G, moments);
        continue;
      }
      for (int j = lo; j < hi; ++j) {
        if (!ready[j]) continue;
        const double z0 = (j - g_.ac) - delta, z1 = (j + 1.0 - g_.ac) - delta;  // pixels
        const bool series = half_width < kSeriesHalfWidth &&
                            half_width * std::abs(0.5 * (z0 + z1)) * inv_sqrt2s < kSeriesHalfWidth;
        double D;
        if (series)
          D = erf_difference_series(z0 * inv_sqrt2s, z1 * inv_sqrt2s);
        else if (z0 >= 0.0)
          D = E[j] - E[j + 1];
        else if (z1 <= 0.0)
          D = E[j + 1] - E[j];
        else
          D = 2.0 - E[j] - E[j + 1];
        if (jacobian_)
          add_pixel<true>(j, weight, k0 * D, z0, z1, delta, beta, s2, G, moments);
        else
          add_pixel<false>(j, weight, k0 * D, z0, z1, delta, beta, s2, G, moments);
      }
    }
  }

  // One node's contribution (weight, at b - bc = beta; delta = m - ac, edge0 = -ac - delta) to the
  // moments of the ready pixels in [lo, hi) from the edges' erfc (E) and exp(-z^2) (G), where no
  // pixel needs the series: the loop above less its branches, so that it vectorises.
  template <bool kJacobian>
  static void add_moments(int lo, int hi, double weight, double beta, double delta, double edge0, double k0,
                          double s2, const char* ready, const double* E, const double* G, const Moments& m) {
#pragma omp simd
    for (int j = lo; j < hi; ++j) {
      const double z0 = j + edge0, z1 = z0 + 1.0;  // pixels
      const double e0 = E[j], e1 = E[j + 1];
      const double D = z0 >= 0.0 ? e0 - e1 : (z1 <= 0.0 ? e1 - e0 : 2.0 - e0 - e1);
      add_pixel<kJacobian>(j, ready[j] ? weight : 0.0, k0 * D, z0, z1, delta, beta, s2, G, m);
    }
  }

  // Pixel j's share w of a node: K0 = int over its edges of exp(-q/2) da, z0, z1 its edges less the
  // mean (pixels); the first and second moments from K0 and the edges' exp(-z^2) (G).
  template <bool kJacobian>
  static inline void add_pixel(int j, double w, double K0, double z0, double z1, double delta, double beta,
                               double s2, const double* G, const Moments& m) {
    m.M0[j] += w * K0;
    if (!kJacobian) return;
    const double g0 = G[j], g1 = G[j + 1];
    const double K1 = s2 * (g0 - g1);
    const double K2 = s2 * (z0 * g0 - z1 * g1) + s2 * K0;
    const double first = K1 + delta * K0;  // int (a - ac) e da
    m.Ma[j] += w * first;
    m.Mb[j] += w * beta * K0;
    m.Maa[j] += w * (K2 + 2.0 * delta * K1 + delta * delta * K0);
    m.Mab[j] += w * beta * first;
    m.Mbb[j] += w * beta * beta * K0;
  }

  void write_line(int line, const LineScratch& s, double* image, double* jac, int nx, int ny) const {
    const std::size_t na = static_cast<std::size_t>(g_.na);
    const std::ptrdiff_t npix = static_cast<std::ptrdiff_t>(nx) * ny;
    const double* M = s.moments.data();
    for (int j = 0; j < g_.na; ++j) {
      const std::ptrdiff_t idx = g_.swap ? static_cast<std::ptrdiff_t>(j) * nx + line
                                         : static_cast<std::ptrdiff_t>(line) * nx + j;
      const double value = M[j];
      image[idx] = value;
      if (!jacobian_) continue;
      const double mom[5] = {M[na + j], M[2 * na + j], M[3 * na + j], M[4 * na + j], M[5 * na + j]};
      for (int p = 0; p < 5; ++p) {
        double sum = 0.0;
        for (int k = 0; k < 5; ++k) sum += g_.coef[p][k] * mom[k];
        jac[p * npix + idx] = sum;
      }
      jac[5 * npix + idx] = kLn10 * value;
    }
  }

  const PixelGaussian g_;
  const bool jacobian_;
  const GaussRule rules_[4];
};

}  // namespace

void render_profile(const PixelGrid& grid, const Ellipse& ellipse, const GaussianProfile& profile,
                    const RenderOptions& options, double* image, double* jac) {
  if (grid.nx == 0 || grid.ny == 0) return;
  const PixelGaussian g = make_pixel_gaussian(grid, ellipse, profile);
  GaussianLineRenderer(g, jac != nullptr).render(image, jac, options.threads, grid.nx, grid.ny);
}

}  // namespace polychrome::POLYCHROME_KERNEL_NAMESPACE
