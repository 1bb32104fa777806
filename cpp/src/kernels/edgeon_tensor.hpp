// The edge-on disk's fast path (internal to edgeon_render.cpp, compiled once per CPU level): a row
// of pixels integrated by tensor Gauss-Legendre rules in pixel coordinates, where the disk is
// resolved by the pixels, and the pixels this rule cannot vouch for left to the exact renderer.
//
// Where hs and rs are at least a pixel's extent in y' and x', the brightness g(x') sech^2(y'/hs)
// is analytic across every pixel that stays half a pixel away from the minor axis x' = 0 (where
// g = s K1(s) has its s^2 ln s kink): the nearest singularities (sech^2's poles at
// y' = +-i pi hs / 2, g's branch point at x' = 0) lie beyond the Bernstein ellipse of parameter ~2.4
// around the pixel, so the tensor 3x3 and 4x4 Gauss rules (9 and 16 points) converge fast and their
// difference bounds the 3x3 rule's error, of which the 4x4's is a small fraction (the ratio of
// their errors is ~1/rho^2 < 0.2 at that distance, far less in the bulk). A pixel is accepted with
// the 4x4 value when |G4 - G3| is within its budget, max(tolerance x max(|G4|, floor), absolute).
// Pixels whose light is bounded below the smallest budget (area x g at the pixel's nearest |x'|
// x sech^2 at its nearest |y'|) are 0, image and Jacobian. The rest (the axis strip, the pixels
// whose rules disagree, every pixel of a disk thinner or shorter than a pixel) take the exact path.
// The Jacobian comes from the 4x4 nodes (the exact derivative of the accepted value).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <vector>

#include "polychrome/bessel_k_fast.hpp"
#include "polychrome/ellipse.hpp"
#include "polychrome/fast_math.hpp"
#include "polychrome/kernel_namespace.hpp"
#include "polychrome/profiles/edgeon.hpp"
#include "polychrome/render_options.hpp"

namespace polychrome::POLYCHROME_KERNEL_NAMESPACE {

/// What the fast path made of a pixel.
enum class EdgeOnPixelPath : char { kDone, kExact };

/// The Jacobian's integrand components per point (see edgeon_render.cpp's kSums, less the value).
constexpr int kEdgeOnJacobianSums = 6;

/// Per-thread work space of EdgeOnTensorRows, reused from row to row.
struct EdgeOnRowScratch {
  std::vector<double> xp, yp, weight, value;  // the points of one batch (x', y' in arcsec)
  std::vector<double> g, sk0, e;              // at the 4x4 points (with a Jacobian): s K1(s), s K0(s), exp(-2|y'|/hs)
  std::vector<double> sums;                   // kEdgeOnJacobianSums x padded points
  std::vector<int> near, far;                 // columns: candidates within 2 rs of the axis, beyond
  std::vector<int> accepted;                  // indices into the batch of the pixels the rules agree on
};

class EdgeOnTensorRows {
 public:
  // The rules' nodes on [0, 1] and weights (summing to 1): Gauss-Legendre, 4 and 3 points.
  static constexpr int kPoints4 = 16, kPoints3 = 9;
  static constexpr double kX4[4] = {0.069431844202973713, 0.33000947820757187, 0.66999052179242813,
                                    0.93056815579702629};
  static constexpr double kW4[4] = {0.17392742256872693, 0.32607257743127307, 0.32607257743127307,
                                    0.17392742256872693};
  static constexpr double kX3[3] = {0.11270166537925831, 0.5, 0.88729833462074169};
  static constexpr double kW3[3] = {0.27777777777777778, 0.44444444444444444, 0.27777777777777778};
  // Pixels within this many of their extents in x' of the minor axis take the exact path.
  static constexpr double kAxisMargin = 0.5;
  // Point batches are padded to whole SIMD vectors.
  static constexpr std::size_t kPadding = 8;

  /// floor and absolute: the budget's terms without the amplitude (flux / 10^I0 per pixel).
  EdgeOnTensorRows(const EllipseGeometry& geo, const EdgeOnDiskProfile& disk, const RenderOptions& opt,
                   double floor, double absolute)
      : geo_(geo), hs_(disk.scale_height()), rs_(disk.scale_length()), inv_hs_(1.0 / hs_), inv_rs_(1.0 / rs_),
        tolerance_(opt.tolerance), floor_(floor), absolute_(absolute),
        extent_x_(std::abs(geo.APaa) + std::abs(geo.APab)), extent_y_(std::abs(geo.APba) + std::abs(geo.APbb)),
        amplitude_(std::exp(disk.log_peak())) {
    smallest_budget_ = std::max(tolerance_ * floor_, absolute_);
  }

  /// Whether the disk is resolved by the pixels (hs and rs at least a pixel's extent): else every
  /// pixel takes the exact path.
  bool usable() const { return hs_ >= extent_y_ && rs_ >= extent_x_; }

  /// Row i of nx pixels: the pixels it can integrate into image_row and (jac not null) their 7
  /// Jacobian entries into jac[p * npix + row_offset + j]; path[j] says which are left (kExact).
  void row(int i, int nx, double* image_row, double* jac, std::size_t npix, std::size_t row_offset,
           std::vector<EdgeOnPixelPath>& path, EdgeOnRowScratch& s) const {
    path.assign(static_cast<std::size_t>(nx), EdgeOnPixelPath::kDone);
    s.near.clear();
    s.far.clear();
    for (int j = 0; j < nx; ++j) {
      const std::size_t at = static_cast<std::size_t>(j);
      double nearest_x = 0.0, nearest_y = 0.0;
      nearest(i, j, nearest_x, nearest_y);
      if (negligible(nearest_x, nearest_y)) {
        image_row[at] = 0.0;
        if (jac != nullptr)
          for (int p = 0; p < kColumns; ++p) jac[static_cast<std::size_t>(p) * npix + row_offset + at] = 0.0;
      } else if (nearest_x < kAxisMargin * extent_x_) {
        path[at] = EdgeOnPixelPath::kExact;
      } else {
        // (every point of a pixel beyond 2 rs takes K1's Chebyshev form alone)
        (nearest_x >= bessel_fast_detail::kSeriesLimit * rs_ ? s.far : s.near).push_back(j);
      }
    }
    integrate<false>(i, s.near, image_row, jac, npix, row_offset, path, s);
    integrate<true>(i, s.far, image_row, jac, npix, row_offset, path, s);
  }

 private:
  static constexpr int kColumns = kGeometricParams + EdgeOnDiskProfile::kNumParams;

  // The pixels `columns` of row i (kFar: all beyond 2 rs of the axis): values, acceptance, Jacobians.
  template <bool kFar>
  void integrate(int i, const std::vector<int>& columns, double* image_row, double* jac, std::size_t npix,
                 std::size_t row_offset, std::vector<EdgeOnPixelPath>& path, EdgeOnRowScratch& s) const {
    if (columns.empty()) return;
    const std::size_t count4 = place_points(i, columns, s);
    if (jac != nullptr)
      values<kFar, true>(count4, s);
    else
      values<kFar, false>(count4, s);
    s.accepted.clear();
    for (std::size_t c = 0; c < columns.size(); ++c) {
      const double* f4 = s.value.data() + c * kPoints4;
      const double* f3 = s.value.data() + count4 + c * kPoints3;
      double g4 = 0.0, g3 = 0.0;
      for (int k = 0; k < kPoints4; ++k) g4 += f4[k];
      for (int k = 0; k < kPoints3; ++k) g3 += f3[k];
      g4 *= geo_.area;
      g3 *= geo_.area;
      const double budget = std::max(tolerance_ * std::max(std::abs(g4), floor_), absolute_);
      const std::size_t at = static_cast<std::size_t>(columns[c]);
      if (std::abs(g4 - g3) <= budget && std::isfinite(g4)) {
        image_row[at] = amplitude_ * g4;
        s.accepted.push_back(static_cast<int>(c));
      } else {
        path[at] = EdgeOnPixelPath::kExact;
      }
    }
    if (jac != nullptr && !s.accepted.empty()) jacobians(columns, count4, image_row, jac, npix, row_offset, s);
  }

  void w_at(double u, double v, double& xp, double& yp) const {
    xp = geo_.w0a + geo_.APaa * u + geo_.APab * v;
    yp = geo_.w0b + geo_.APba * u + geo_.APbb * v;
  }

  // The smallest |x'| and |y'| over pixel (i, j) (0 where its corners straddle the axis).
  void nearest(int i, int j, double& nearest_x, double& nearest_y) const {
    double x_lo = HUGE_VAL, x_hi = -HUGE_VAL, y_lo = HUGE_VAL, y_hi = -HUGE_VAL;
    for (int k = 0; k < 4; ++k) {
      double xp, yp;
      w_at(j + (k == 1 || k == 2 ? 1.0 : 0.0), i + (k >= 2 ? 1.0 : 0.0), xp, yp);
      x_lo = std::min(x_lo, xp);
      x_hi = std::max(x_hi, xp);
      y_lo = std::min(y_lo, yp);
      y_hi = std::max(y_hi, yp);
    }
    nearest_x = x_lo > 0.0 ? x_lo : (x_hi < 0.0 ? -x_hi : 0.0);
    nearest_y = y_lo > 0.0 ? y_lo : (y_hi < 0.0 ? -y_hi : 0.0);
  }

  // Whether the pixel's light (at most area x g(nearest |x'|) x sech^2(nearest |y'|), both
  // factors decreasing in |x'|, |y'|) is below every budget: its value 0 errs by less.
  bool negligible(double nearest_x, double nearest_y) const {
    const double vertical = geo_.area * 4.0 * fast_exp(-2.0 * nearest_y * inv_hs_);
    if (vertical <= smallest_budget_) return true;  // (g <= 1)
    const double s = std::max(nearest_x * inv_rs_, 1e-300);
    return vertical * s * bessel_k1_fast(s) <= smallest_budget_;
  }

  // The points of the pixels `columns` of row i in s.xp, s.yp, weights in s.weight: every pixel's
  // 4x4 points first (pixel c's at c x 16), then from the returned (padded) count on their 3x3
  // points (pixel c's at count + c x 9), each block padded to whole SIMD vectors.
  std::size_t place_points(int i, const std::vector<int>& columns, EdgeOnRowScratch& s) const {
    const std::size_t n4 = padded(columns.size() * kPoints4);
    const std::size_t n = n4 + padded(columns.size() * kPoints3);
    s.xp.resize(n);
    s.yp.resize(n);
    s.weight.resize(n);
    place_rule(i, columns, kX4, kW4, 0, n4, s);
    place_rule(i, columns, kX3, kW3, n4, n, s);
    return n4;
  }

  // The N x N tensor rule (nodes x, weights w on [0, 1]) of each pixel of `columns` in row i, at
  // points [from, to) (the rest after the pixels' points padded).
  template <int N>
  void place_rule(int i, const std::vector<int>& columns, const double (&x)[N], const double (&w)[N],
                  std::size_t from, std::size_t to, EdgeOnRowScratch& s) const {
    std::size_t k = from;
    for (const int j : columns)
      for (int a = 0; a < N; ++a)
        for (int b = 0; b < N; ++b, ++k) {
          w_at(j + x[b], i + x[a], s.xp[k], s.yp[k]);
          s.weight[k] = w[a] * w[b];
        }
    pad(k, to, s);
  }

  static std::size_t padded(std::size_t count) { return (count + kPadding - 1) / kPadding * kPadding; }

  // Points [from, to): copies of the first point, weight 0.
  static void pad(std::size_t from, std::size_t to, EdgeOnRowScratch& s) {
    for (std::size_t k = from; k < to; ++k) {
      s.xp[k] = s.xp[0];
      s.yp[k] = s.yp[0];
      s.weight[k] = 0.0;
    }
  }

  // weight x g(x') sech^2(y' / hs) at every point placed (one vector loop per block) in s.value;
  // kWithJacobian: also g, s K0(s) and exp(-2|y'|/hs) at the 4x4 points (the first count4), for
  // `jacobians`, so that it evaluates no special function again.
  template <bool kFar, bool kWithJacobian>
  void values(std::size_t count4, EdgeOnRowScratch& s) const {
    const std::size_t n = s.xp.size();
    s.value.resize(n);
    const double* xp = s.xp.data();
    const double* yp = s.yp.data();
    const double* weight = s.weight.data();
    double* value = s.value.data();
    const double inv_rs = inv_rs_, inv_hs = inv_hs_;
    std::size_t from = 0;
    if (kWithJacobian) {
      s.g.resize(count4);
      s.sk0.resize(count4);
      s.e.resize(count4);
      double* g_out = s.g.data();
      double* sk0_out = s.sk0.data();
      double* e_out = s.e.data();
#pragma omp simd
      for (std::size_t k = 0; k < count4; ++k) {
        const double sx = std::max(std::abs(xp[k]) * inv_rs, 1e-300);
        const double e = fast_exp(-2.0 * std::abs(yp[k]) * inv_hs);
        const double one_plus = 1.0 + e;
        double k0, k1;
        if (kFar)
          bessel_k0_k1_large(sx, k0, k1);
        else
          bessel_k0_k1_fast(sx, k0, k1);
        const double g = sx * k1;
        g_out[k] = g;
        sk0_out[k] = sx * k0;
        e_out[k] = e;
        value[k] = weight[k] * g * 4.0 * e / (one_plus * one_plus);
      }
      from = count4;
    }
#pragma omp simd
    for (std::size_t k = from; k < n; ++k) {
      const double sx = std::max(std::abs(xp[k]) * inv_rs, 1e-300);
      const double e = fast_exp(-2.0 * std::abs(yp[k]) * inv_hs);
      const double one_plus = 1.0 + e;
      const double k1 = kFar ? bessel_k1_large(sx) : bessel_k1_fast(sx);
      value[k] = weight[k] * sx * k1 * 4.0 * e / (one_plus * one_plus);
    }
  }

  // The Jacobian entries of the accepted pixels of row i (s.accepted: indices into `columns`), from
  // the 4x4 points' values kept by `values` (one vector loop over every pixel's points: the few
  // pixels left to the exact path cost less than a gather would).
  void jacobians(const std::vector<int>& columns, std::size_t count4, const double* image_row, double* jac,
                 std::size_t npix, std::size_t row_offset, EdgeOnRowScratch& s) const {
    const std::size_t n = count4;
    s.sums.resize(kEdgeOnJacobianSums * n);
    const double* xp = s.xp.data();
    const double* yp = s.yp.data();
    const double* weight = s.weight.data();
    const double* g_at = s.g.data();
    const double* sk0_at = s.sk0.data();
    const double* e_at = s.e.data();
    double* out = s.sums.data();
    const double inv_rs = inv_rs_, inv_hs = inv_hs_;
#pragma omp simd
    for (std::size_t k = 0; k < n; ++k) {
      const double x = xp[k], y = yp[k], w = weight[k];
      const double g = g_at[k], sk0 = sk0_at[k], e = e_at[k];
      const double sx = std::max(std::abs(x) * inv_rs, 1e-300);
      const double dg_dx = (x < 0.0 ? sk0 : -sk0) * inv_rs, dg_drs = sx * sk0 * inv_rs;
      const double t = y * inv_hs;
      const double one_plus = 1.0 + e;
      const double sech2 = 4.0 * e / (one_plus * one_plus);
      const double tanh_abs = (1.0 - e) / one_plus;
      const double ws = w * sech2;
      const double dS_dy = -2.0 * (t < 0.0 ? -tanh_abs : tanh_abs) * ws * inv_hs;  // x w
      out[k] = dg_dx * ws;                      // d/dx' of the brightness
      out[n + k] = g * dS_dy;                   // d/dy'
      out[2 * n + k] = y * dg_dx * ws;          // y' d/dx'
      out[3 * n + k] = x * g * dS_dy;           // x' d/dy'
      out[4 * n + k] = -t * g * dS_dy;          // d/dhs: d sech^2(y/hs)/dhs = -t dS/dy'
      out[5 * n + k] = dg_drs * ws;             // d/drs
    }
    const double scale = amplitude_ * geo_.area;
    for (const int c : s.accepted) {
      double sum[kEdgeOnJacobianSums];
      for (int p = 0; p < kEdgeOnJacobianSums; ++p) {
        const double* row = out + static_cast<std::size_t>(p) * n + static_cast<std::size_t>(c) * kPoints4;
        double total = 0.0;
        for (int k = 0; k < kPoints4; ++k) total += row[k];
        sum[p] = scale * total;
      }
      const int j = columns[static_cast<std::size_t>(c)];
      const std::size_t at = row_offset + static_cast<std::size_t>(j);
      jac[at] = sum[0] * geo_.dw_dxc_a + sum[1] * geo_.dw_dxc_b;
      jac[npix + at] = sum[0] * geo_.dw_dyc_a + sum[1] * geo_.dw_dyc_b;
      jac[2 * npix + at] = 0.0;  // q: not a parameter of the disk
      jac[3 * npix + at] = sum[2] - sum[3];  // x' and y' turn with PA: dx'/dPA = y', dy'/dPA = -x'
      jac[4 * npix + at] = sum[4];
      jac[5 * npix + at] = sum[5];
      jac[6 * npix + at] = kLn10 * image_row[j];
    }
  }

  const EllipseGeometry& geo_;
  const double hs_, rs_, inv_hs_, inv_rs_, tolerance_, floor_, absolute_, extent_x_, extent_y_, amplitude_;
  double smallest_budget_ = 0.0;
};

}  // namespace polychrome::POLYCHROME_KERNEL_NAMESPACE
