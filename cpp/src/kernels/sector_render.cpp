// The renderer of the ray and wedge profiles (see sector_profile.hpp), compiled once per CPU level
// (see polychrome/cpu_kernels.hpp); render_kernel.cpp calls it.
//
// Smooth pixels. The ray model is smooth but at the centre (its angular weights are C1 in theta),
// and so is a wedge's brightness inside every pixel none of its edges (lines through the centre)
// crosses: those pixels go to level_quadrature.hpp's level-by-level adaptive 2x2 Gauss-Legendre
// cells, whose batches of points are evaluated here in vector loops (no angle: a point's segment
// from the side of each line it lies on, a ray pair's weights from ((wa + i wb) / R)^N; the batch cut
// into runs of one segment pair so that each profile is evaluated only where it weighs).
// Their Jacobian is the same quadrature of dI/dp, the geometric columns by the chain rule through
// w = A (x - c): dI/dw = (sum_k W_k dI_k/dR) w / R + (sum_k dW_k/dtheta I_k) (-wb, wa) / R^2.
//
// Pixels a wedge's edge crosses (a few per row). A cell's value is the 2x2 Gauss-Legendre rule, or,
// for a cell crossed by an edge, the sum over the pieces the edges cut it into (each convex, in one
// sector, fan-triangulated, a degree-4 rule of positive weights per triangle): no rule ever
// straddles the jump. A cell is split 2x2 until its children's sum differs from its own value by
// less than its budget (the a-posteriori rule of level_quadrature.hpp, recursively here). The
// segments' parameters' Jacobian: the same quadrature of the derivatives of the brightness. x, y, q
// and PA move the circularised image of the pixel, w = A (x - c), over a brightness h(w) that does
// not depend on them, so by the transport theorem, with V = dw/dp at a fixed plane point and N the
// outward normal in w,
//     d value / dp = q * contour integral of h (V . N) dl_w  +  [p == q] value / q,
// which holds across the jumps. The contour integral runs along the pixel's four edges, split where
// an edge crosses a line of sector_weights.hpp and at the foot of the perpendicular from the
// centre, by 4-point Gauss-Legendre rules halved until the halves agree within
// kEdgeRelativeTolerance x tolerance of the integral of |h V . N|.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "kernels.hpp"
#include "level_quadrature.hpp"
#include "polychrome/fast_math.hpp"
#include "polychrome/polar_quadrature.hpp"
#include "polychrome/profile.hpp"
#include "polychrome/sector_profile.hpp"

namespace polychrome::POLYCHROME_KERNEL_NAMESPACE {

namespace {

using namespace level_quadrature;

// The fraction of a cell's distance to a singularity (a compact profile's edge) its reach may be
// (the Taylor-radius limit of cell_quadrature.hpp, as in shaped_render.cpp).
constexpr double kPoleResolution = 0.5;
// The size the cells next to the centre must resolve, as a fraction of the smallest segment's, for
// three rays or more (their weights are C1 only, their second derivatives jump along every ray, and
// all rays meet at the centre): there the brightness varies with the angle on the scale of the cell
// itself, and the values' quadrature errors (and so their changes with the parameters) must stay
// well below the budget. (Two rays' weights, cos^2 and sin^2 of the angle, are smooth.)
constexpr double kCentreSizeFraction = 0.5;
// A line passing within this fraction of a pixel of it counts as crossing it.
constexpr double kTouchMargin = 1e-9;
// Profiles with at most this many parameters have their dL/dp rows stored by a loop of
// compile-time length (unrolled: the point loop still vectorises); a spline's run-time count is not.
constexpr int kMaxUnrolledRadialParams = 8;
// The degree-4 triangle rule of six points with positive weights (Dunavant 1985): barycentric
// coordinates (a, b, b) and their permutations, weights as fractions of the triangle's area.
constexpr double kTriangleA[2] = {0.108103018168070, 0.816847572980459};
constexpr double kTriangleB[2] = {0.445948490915965, 0.091576213509771};
constexpr double kTriangleW[2] = {0.223381589678011, 0.109951743655322};
// 4-point Gauss-Legendre on [-1, 1].
constexpr double kGauss4X[4] = {-0.8611363115940526, -0.3399810435848563, 0.3399810435848563, 0.8611363115940526};
constexpr double kGauss4W[4] = {0.3478548451374538, 0.6521451548625461, 0.6521451548625461, 0.3478548451374538};
// The contour integrals' accuracy, as a fraction of the tolerance, and their deepest halving.
constexpr double kEdgeRelativeTolerance = 1e-2;
constexpr int kMaxEdgeDepth = 24;
// A convex piece of a cell: at most 4 corners and 2 cut points (cones through one point).
constexpr int kMaxCorners = 10;

struct Piece {
  int n = 0;
  double u[kMaxCorners], v[kMaxCorners];
};

// Per-thread work space: the shared loops', the batches' (per point), the cut pixels'.
struct SectorScratch : LevelScratch {
  std::vector<double> R, log_R, rho, share, dshare;  // per point: R, ln R, 1/R, W, dW/dtheta
  std::vector<double> parity, passed;               // per point: the sign of W's cosine, lines passed (place_segments)
  std::vector<int> segment;                         // per point: the first segment
  std::vector<std::size_t> run;                     // the batch's runs of one first segment
  std::vector<double> point_I, radial_sum, angular_sum, radial_dL;
  std::vector<double> child_jac, sum;  // a cut pixel's: its cells' Jacobians (see refine), the total
  std::vector<Piece> pieces, cut;
};

template <class Radial>
class SectorRenderer : public LevelQuadrature<SectorRenderer<Radial>, SectorScratch> {
  using Base = LevelQuadrature<SectorRenderer<Radial>, SectorScratch>;
  friend Base;
  using Base::floor_, Base::geo_, Base::np_, Base::grid_, Base::half_diagonal_, Base::opt_, Base::unresolved, Base::w_at;

 public:
  SectorRenderer(const PixelGrid& grid, const Ellipse& ellipse, const SectorProfile& profile,
                 std::vector<const Radial*> segments, const RenderOptions& opt)
      : Base(grid, ellipse, opt, kGeometricParams + profile.num_params(), log_peak_of(segments),
             (profile.layout.kind == SectorKind::kRay && profile.layout.count >= 3 ? kCentreSizeFraction : 1.0) *
                 size_of(segments)),
        layout_(profile.layout), segments_(std::move(segments)), nr_(segments_.front()->num_params()),
        ns_(layout_.count * nr_), blended_(layout_.kind == SectorKind::kRay && layout_.count > 1),
        cut_(layout_.kind == SectorKind::kWedge && layout_.count > 1) {
    // the lines through the centre: direction (cos, sin) in w, and their normals in pixel coordinates
    const double det = geo_.APaa * geo_.APbb - geo_.APab * geo_.APba;
    orientation_ = det > 0.0 ? 1.0 : -1.0;
    for (int k = 0; k < layout_.count; ++k) {
      const double phi = layout_.line_angle(k);
      const double c = std::cos(phi), s = std::sin(phi);
      line_cos_.push_back(c);
      line_sin_.push_back(s);
      // the line is cross((c, s), w) = c wb - s wa = 0; in pixel coordinates its gradient is
      // (c AP[b][.] - s AP[a][.])
      normal_u_.push_back(c * geo_.APba - s * geo_.APaa);
      normal_v_.push_back(c * geo_.APbb - s * geo_.APab);
    }
  }

 private:
  static double log_peak_of(const std::vector<const Radial*>& segments) {
    double log_peak = -kMaxLogBrightness;
    for (const Radial* s : segments) log_peak = std::max(log_peak, std::min(s->log_peak(), kMaxLogBrightness));
    return log_peak;
  }
  // The smallest segment's size (arcsec).
  static double size_of(const std::vector<const Radial*>& segments) {
    double size = 0.0;
    for (const Radial* s : segments) {
      const double own = s->size();
      if (own > 0.0) size = size > 0.0 ? std::min(size, own) : own;
    }
    return size;
  }

  // ---- The smooth pixels (level_quadrature.hpp): the brightness at batches of points ----

  // Per point of a batch: R, ln R, 1/R, the first segment (index), its weight W and dW/dtheta (the
  // second segment, the next ray, has 1 - W and -dW/dtheta); the batch cut into runs of one first
  // segment [run[r], run[r + 1]).
  void place_segments(const double* wa, const double* wb, std::size_t n, SectorScratch& s) const {
    for (std::vector<double>* row : {&s.R, &s.log_R, &s.rho, &s.share, &s.dshare, &s.parity, &s.passed})
      reserve_points(*row, n);
    reserve_points(s.segment, n);
    double* R = s.R.data();
    double* log_R = s.log_R.data();
    double* rho = s.rho.data();
    int* segment = s.segment.data();
    double* share = s.share.data();
    double* dshare = s.dshare.data();
    double* parity = s.parity.data();
    double* passed = s.passed.data();
    const int count = layout_.count;
    // w folded onto the upper half plane (into share, dshare until the weights): its direction t in
    // [0, pi), theta modulo pi; parity holds count [folded] until the end
#pragma omp simd
    for (std::size_t k = 0; k < n; ++k) {
      const double r = std::sqrt(wa[k] * wa[k] + wb[k] * wb[k]);
      const double r_eval = r > 0.0 ? r : 1e-300;
      R[k] = r_eval;
      log_R[k] = fast_log(r_eval);
      rho[k] = 1.0 / r_eval;
      const bool folded = wb[k] < 0.0 || (wb[k] == 0.0 && wa[k] < 0.0);
      share[k] = folded ? -wa[k] : wa[k];
      dshare[k] = folded ? -wb[k] : wb[k];
      parity[k] = folded ? count : 0.0;
      passed[k] = 0.0;
    }
    // The first segment is the number of the layout's lines at or before t (a ray model's line 0,
    // at angle 0, always is: not counted; a wedge model's count wraps from N to 0): line j, at angle
    // phi_j in (0, pi), is iff cross((cos, sin) phi_j, folded w) >= 0. (No angle: cheaper than an
    // atan2, and exact on which side of a wedge's edge a point lies, as crosses() is.)
    for (int j = layout_.kind == SectorKind::kWedge ? 0 : 1; j < count; ++j) {
      const double c = line_cos_[static_cast<std::size_t>(j)], sn = line_sin_[static_cast<std::size_t>(j)];
#pragma omp simd
      for (std::size_t k = 0; k < n; ++k) passed[k] += c * dshare[k] - sn * share[k] >= 0.0 ? 1.0 : 0.0;
    }
#pragma omp simd
    for (std::size_t k = 0; k < n; ++k) {
      const int whole = static_cast<int>(passed[k]);
      segment[k] = whole >= count ? whole - count : whole;
      // a ray pair's W = (1 + cos(pi f)) / 2, f = count t / pi - whole: pi f = count theta +
      // (count [folded] - whole) pi, so cos(pi f) = (-1)^(whole + count [folded]) cos(count theta)
      parity[k] = ((whole + static_cast<int>(parity[k])) & 1) != 0 ? -1.0 : 1.0;
    }
    if (!blended_) {
#pragma omp simd
      for (std::size_t k = 0; k < n; ++k) {  // (0 x parity, not a constant 0: GCC makes that a byte-wise memset)
        share[k] = 1.0;
        dshare[k] = 0.0 * parity[k];
      }
    } else {
      // W = (1 + parity cos(count theta)) / 2, dW/dtheta = -count parity sin(count theta) / 2, with
      // (cos, sin)(count theta) = ((wa + i wb) / R)^count by count - 1 complex products (no angle:
      // cheaper than a sine for the few rays models have)
#pragma omp simd
      for (std::size_t k = 0; k < n; ++k) {
        share[k] = wa[k] * rho[k];
        dshare[k] = wb[k] * rho[k];
      }
      for (int power = 1; power < count; ++power) {
#pragma omp simd
        for (std::size_t k = 0; k < n; ++k) {
          const double c = wa[k] * rho[k], s1 = wb[k] * rho[k];
          const double next_cos = share[k] * c - dshare[k] * s1;
          dshare[k] = share[k] * s1 + dshare[k] * c;
          share[k] = next_cos;
        }
      }
#pragma omp simd
      for (std::size_t k = 0; k < n; ++k) {
        const double cos_n = parity[k] * share[k], sin_n = parity[k] * dshare[k];
        share[k] = 0.5 * (1.0 + cos_n);
        dshare[k] = -0.5 * count * sin_n;
      }
    }
    s.run.clear();
    for (std::size_t k = 0; k < n; ++k)
      if (k == 0 || segment[k] != segment[k - 1]) s.run.push_back(k);
    s.run.push_back(n);
  }

  // The segment after `first` (the second of a ray's pair).
  int next_segment(int first) const { return first + 1 < layout_.count ? first + 1 : 0; }

  // I at the n points w (level_quadrature.hpp): per run, the first segment's profile and, for rays,
  // the next one's, in vector loops.
  void evaluate_values(const double* wa, const double* wb, double* value, std::size_t n, SectorScratch& s) const {
    place_segments(wa, wb, n, s);
    const double* R = s.R.data();
    const double* log_R = s.log_R.data();
    const double* share = s.share.data();
    for (std::size_t r = 0; r + 1 < s.run.size(); ++r) {
      const std::size_t a = s.run[r], b = s.run[r + 1];
      const int first = s.segment[a];
      const Radial& one = *segments_[static_cast<std::size_t>(first)];
#pragma omp simd
      for (std::size_t k = a; k < b; ++k) value[k] = share[k] * brightness(one, R[k], log_R[k]);
      if (!blended_) continue;
      const Radial& two = *segments_[static_cast<std::size_t>(next_segment(first))];
#pragma omp simd
      for (std::size_t k = a; k < b; ++k) value[k] += (1.0 - share[k]) * brightness(two, R[k], log_R[k]);
    }
  }

  // I of one segment at radius R (fast_exp: vectorises).
  static POLYCHROME_INLINE double brightness(const Radial& radial, double R, double log_R) {
    const Radius rad{R * R, R, 1.0 / R, log_R};
    LogDerivatives d{};
    radial.eval(rad, d);
    return fast_exp(std::min(d.L, kMaxLogBrightness));
  }

  // One segment's part at one point of evaluate_jacobians (a function of its own, as in
  // shaped_render.cpp, so that the simd loop vectorises through the profile's array arguments):
  // weight x I_k into I_out, d(weight I_k)/dR into IL1_out, dL/dp rows into radial_dL (stride apart).
  static POLYCHROME_INLINE void segment_point(const Radial& radial, int nr, double R, double log_R, double weight,
                                              double* radial_dL, std::ptrdiff_t stride, double& I_out,
                                              double& IL1_out) {
    const Radius rad{R * R, R, 1.0 / R, log_R};
    LogDerivatives d{};
    double dL[Radial::kMaxParams], dL1[Radial::kMaxParams], dL2[Radial::kMaxParams];
    radial.eval_with_params(rad, d, dL, dL1, dL2);
    const double I = weight * fast_exp(std::min(d.L, kMaxLogBrightness));
    I_out = I;
    IL1_out = I * d.L1;
    if constexpr (Radial::kMaxParams <= kMaxUnrolledRadialParams) {
      (void)nr;
#pragma GCC unroll 8
      for (int p = 0; p < Radial::kMaxParams; ++p) radial_dL[p * stride] = dL[p];
    } else {
      for (int p = 0; p < nr; ++p) radial_dL[p * stride] = dL[p];
    }
  }

  // weight x dI/dp at the n points, into jac[p * n + k] (level_quadrature.hpp): per run and segment,
  // one vector loop for I, dI/dR and dL/dp, one per parameter for its row; then the geometric
  // columns by the chain rule through w, dI/dw = (sum_k W_k dI_k/dR) w / R
  // + (sum_k dW_k/dtheta I_k) (-wb, wa) / R^2.
  void evaluate_jacobians(const double* wa, const double* wb, const double* weight, double* jac, std::size_t n,
                          SectorScratch& s) const {
    place_segments(wa, wb, n, s);
    const std::ptrdiff_t stride = static_cast<std::ptrdiff_t>(n);
    const int nr = nr_;
    constexpr bool kFewRadialParams = Radial::kMaxParams <= kMaxUnrolledRadialParams;
    const int radial_rows = kFewRadialParams ? Radial::kMaxParams : nr;
    for (std::vector<double>* row : {&s.point_I, &s.radial_sum, &s.angular_sum}) reserve_points(*row, n);
    reserve_points(s.radial_dL, n * static_cast<std::size_t>(radial_rows));
    const double *R = s.R.data(), *log_R = s.log_R.data(), *share = s.share.data(), *dshare = s.dshare.data();
    double *point_I = s.point_I.data(), *radial_sum = s.radial_sum.data(), *angular_sum = s.angular_sum.data();
    double* radial_dL = s.radial_dL.data();
    for (std::size_t r = 0; r + 1 < s.run.size(); ++r) {
      const std::size_t a = s.run[r], b = s.run[r + 1];
      const int first = s.segment[a];
      for (int pair = 0; pair < (blended_ ? 2 : 1); ++pair) {
        const int k = pair == 0 ? first : next_segment(first);
        const Radial& radial = *segments_[static_cast<std::size_t>(k)];
        const double sign = pair == 0 ? 1.0 : -1.0;  // the second segment's weight: 1 - W, -dW/dtheta
        const double base = pair == 0 ? 0.0 : 1.0;
#pragma omp simd
        for (std::size_t i = a; i < b; ++i) {
          double I, IL1;
          segment_point(radial, nr, R[i], log_R[i], weight[i], radial_dL + i, stride, I, IL1);
          const double W = base + sign * share[i];
          point_I[i] = W * I;
          radial_sum[i] = (pair == 0 ? 0.0 : radial_sum[i]) + W * IL1;  // the first overwrites
          angular_sum[i] = (pair == 0 ? 0.0 : angular_sum[i]) + sign * dshare[i] * I;
        }
        for (int p = 0; p < nr; ++p) {
          double* row = jac + (kGeometricParams + k * nr + p) * stride;
          const double* dLp = radial_dL + p * stride;
#pragma omp simd
          for (std::size_t i = a; i < b; ++i) row[i] = point_I[i] * dLp[i];
        }
      }
      // the segments without weight in this run: zero rows (share x 0, finite, rather than a constant 0:
      // GCC turns a constant fill into a memset call, a byte-wise rep stosb on these short runs)
      for (int k = 0; k < layout_.count; ++k) {
        if (k == first || (blended_ && k == next_segment(first))) continue;
        for (int p = 0; p < nr; ++p) {
          double* row = jac + (kGeometricParams + k * nr + p) * stride;
#pragma omp simd
          for (std::size_t i = a; i < b; ++i) row[i] = 0.0 * share[i];
        }
      }
    }
    const double* rho = s.rho.data();
    double* out = jac;
#pragma omp simd
    for (std::ptrdiff_t i = 0; i < stride; ++i) {
      const double along = angular_sum[i] * rho[i];
      const double ga = (radial_sum[i] * wa[i] - along * wb[i]) * rho[i];
      const double gb = (radial_sum[i] * wb[i] + along * wa[i]) * rho[i];
      out[i] = ga * geo_.dw_dxc_a + gb * geo_.dw_dxc_b;
      out[stride + i] = ga * geo_.dw_dyc_a + gb * geo_.dw_dyc_b;
      out[2 * stride + i] = gb * (-wb[i] * geo_.inv_q);
      out[3 * stride + i] = ga * geo_.q * wb[i] - gb * wa[i] * geo_.inv_q;
    }
  }

  // I at (u, v), for the boundary integrals of level_quadrature.hpp's centre_derivatives.
  double value_at(double u, double v) const { return brightness(wa_at(u, v), wb_at(u, v)); }

  // Whether a cell of size h centred at w is large against its distance to a segment's singularity
  // (a compact profile's edge): it is then split until it resolves it.
  bool near_singularity(double wa, double wb, double h) const {
    if constexpr (HasSingularities<Radial>::value) {
      const double r = std::hypot(wa, wb), extent = half_diagonal_ * h;
      for (const Radial* s : segments_)
        if (extent > kPoleResolution * std::sqrt(s->singular_distance2(r))) return true;
    }
    (void)wa, (void)wb, (void)h;
    return false;
  }

  // ---- The pixels a wedge's edge crosses: integrated exactly, one by one ----

  // Whether a line of the layout crosses pixel (i, j) (or touches it: the margin).
  bool own_pixel(int i, int j) const {
    if (!cut_) return false;
    for (int k = 0; k < layout_.count; ++k)
      if (crosses(k, j + 0.5, i + 0.5, 1.0 + kTouchMargin)) return true;
    return false;
  }

  void render_own_pixels(int i, double* image, double* jac, SectorScratch& s) const {
    if (!cut_) return;
    for (int j = 0; j < grid_.nx; ++j)
      if (own_pixel(i, j)) render_cut_pixel(i, j, image, jac, s);
  }

  double wa_at(double u, double v) const { return geo_.w0a + geo_.APaa * u + geo_.APab * v; }
  double wb_at(double u, double v) const { return geo_.w0b + geo_.APba * u + geo_.APbb * v; }

  static Radius radius_of(double R) {
    const double r = R > 0.0 ? R : 1e-300;
    return Radius{r * r, r, 1.0 / r, fast_log(r)};
  }

  // The segments weighing at w (one: ``only`` when >= 0, a wedge piece's sector).
  int weights_at(double wa, double wb, int only, int* segment, double* weight) const {
    if (only >= 0) {
      segment[0] = only;
      weight[0] = 1.0;
      return 1;
    }
    return layout_.weights(fast_atan2(wb, wa), segment, weight);
  }

  // The surface brightness h(w), flux/arcsec^2.
  double brightness(double wa, double wb) const {
    int segment[2];
    double weight[2];
    const int m = weights_at(wa, wb, -1, segment, weight);
    const Radius rad = radius_of(std::sqrt(wa * wa + wb * wb));  // (no overflow: |w| far below 1e154)
    double h = 0.0;
    for (int k = 0; k < m; ++k) {
      LogDerivatives d{};
      segments_[static_cast<std::size_t>(segment[k])]->eval(rad, d);
      h += weight[k] * fast_exp(std::min(d.L, kMaxLogBrightness));
    }
    return h;
  }

  // Add I and dI/d(segment parameters) at (u, v) times weight to value / out[np].
  void add_point(double u, double v, double weight, int only, double& value, double* out) const {
    const double wa = wa_at(u, v), wb = wb_at(u, v);
    int segment[2];
    double share[2];
    const int m = weights_at(wa, wb, only, segment, share);
    const Radius rad = radius_of(std::sqrt(wa * wa + wb * wb));  // (no overflow: |w| far below 1e154)
    double radial = 0.0;  // sum over the segments of W_k dI_k/dR (W constant within a piece)
    for (int k = 0; k < m; ++k) {
      const Radial& profile = *segments_[static_cast<std::size_t>(segment[k])];
      LogDerivatives d{};
      if (out == nullptr) {
        profile.eval(rad, d);
        value += weight * share[k] * fast_exp(std::min(d.L, kMaxLogBrightness));
        continue;
      }
      double dL[Radial::kMaxParams], dL1[Radial::kMaxParams], dL2[Radial::kMaxParams];
      profile.eval_with_params(rad, d, dL, dL1, dL2);
      const double I = weight * share[k] * fast_exp(std::min(d.L, kMaxLogBrightness));
      value += I;
      radial += I * d.L1;
      double* column = out + kGeometricParams + static_cast<std::ptrdiff_t>(segment[k]) * nr_;
      for (int p = 0; p < nr_; ++p) column[p] += I * dL[p];
    }
    if (out == nullptr) return;
    // x, y, q, PA by the chain rule through w (dI/dw = radial w / R)
    const double ga = radial * wa * rad.rho, gb = radial * wb * rad.rho;
    out[0] += ga * geo_.dw_dxc_a + gb * geo_.dw_dxc_b;
    out[1] += ga * geo_.dw_dyc_a + gb * geo_.dw_dyc_b;
    out[2] += gb * (-wb * geo_.inv_q);
    out[3] += ga * geo_.q * wb - gb * wa * geo_.inv_q;
  }

  // The jump of the brightness across line k, h(+ side) - h(- side), at signed distance r (arcsec, in
  // w) from the centre along the line's direction (cos, sin) (the + side: the normal (-sin, cos)).
  double jump(int k, double r) const {
    // the sectors below and above the line's angle: wedges k and k + 1; beyond the centre (r < 0)
    // the normal points the other way round
    const Radius rad = radius_of(std::abs(r));
    LogDerivatives below{}, above{};
    segments_[static_cast<std::size_t>(k)]->eval(rad, below);
    segments_[static_cast<std::size_t>(next_segment(k))]->eval(rad, above);
    const double difference = fast_exp(std::min(above.L, kMaxLogBrightness)) - fast_exp(std::min(below.L, kMaxLogBrightness));
    return r < 0.0 ? -difference : difference;
  }

  // d value / d(x, y, q, PA) of the jump along line k inside the cell of size h at (u, v), added to
  // out[4]: the distributional gradient of h holds [h] N delta along the line, so the term is
  // q x the integral along the chord (in w) of [h] (V . N), V = dw/dp (4-point Gauss-Legendre on
  // each side of the centre).
  void add_jump(int k, double u, double v, double h, double* out) const {
    const double c = line_cos_[static_cast<std::size_t>(k)], s = line_sin_[static_cast<std::size_t>(k)];
    // the chord: where the line crosses the cell's sides (pixel coordinates), as r along the line
    const double nu = normal_u_[static_cast<std::size_t>(k)], nv = normal_v_[static_cast<std::size_t>(k)];
    const double half = 0.5 * h;
    const double cu[5] = {u - half, u + half, u + half, u - half, u - half};
    const double cv[5] = {v - half, v - half, v + half, v + half, v - half};
    double r_end[4];
    int ends = 0;
    for (int e = 0; e < 4 && ends < 4; ++e) {
      const double a = nu * (cu[e] - geo_.center_u) + nv * (cv[e] - geo_.center_v);
      const double b = nu * (cu[e + 1] - geo_.center_u) + nv * (cv[e + 1] - geo_.center_v);
      if ((a < 0.0) == (b < 0.0) || a == b) continue;
      const double t = a / (a - b);
      const double pu = cu[e] + t * (cu[e + 1] - cu[e]), pv = cv[e] + t * (cv[e + 1] - cv[e]);
      r_end[ends++] = c * wa_at(pu, pv) + s * wb_at(pu, pv);
    }
    if (ends < 2) return;
    double lo = std::min(r_end[0], r_end[1]), hi = std::max(r_end[0], r_end[1]);
    const double pieces[3] = {lo, lo < 0.0 && hi > 0.0 ? 0.0 : hi, hi};
    for (int piece = 0; piece < 2; ++piece) {
      const double a = pieces[piece], b = pieces[piece + 1];
      if (!(b > a)) continue;
      const double middle = 0.5 * (a + b), length = 0.5 * (b - a);
      for (int g = 0; g < 4; ++g) {
        const double r = middle + length * kGauss4X[g];
        const double J = geo_.q * length * kGauss4W[g] * jump(k, r);
        const double wa = r * c, wb = r * s;
        // N . V for V = dw/dp of x, y, q, PA (polar_quadrature.hpp's corner_derivatives), N = (-s, c)
        out[0] += J * (-s * geo_.dw_dxc_a + c * geo_.dw_dxc_b);
        out[1] += J * (-s * geo_.dw_dyc_a + c * geo_.dw_dyc_b);
        out[2] += J * (c * (-wb * geo_.inv_q));
        out[3] += J * (-s * geo_.q * wb + c * (-wa * geo_.inv_q));
      }
    }
  }

  // Whether line k cuts the cell of size h centred at (u, v).
  bool crosses(int k, double u, double v, double h) const {
    const double du = u - geo_.center_u, dv = v - geo_.center_v;
    const double middle = normal_u_[static_cast<std::size_t>(k)] * du + normal_v_[static_cast<std::size_t>(k)] * dv;
    const double reach = 0.5 * h * (std::abs(normal_u_[static_cast<std::size_t>(k)]) +
                                    std::abs(normal_v_[static_cast<std::size_t>(k)]));
    return std::abs(middle) < reach;
  }

  // Cut piece p by line k into the parts on its two sides (those with 3 corners or more kept).
  void cut(const Piece& p, int k, std::vector<Piece>& out) const {
    const double nu = normal_u_[static_cast<std::size_t>(k)], nv = normal_v_[static_cast<std::size_t>(k)];
    double side[kMaxCorners];
    for (int c = 0; c < p.n; ++c) side[c] = nu * (p.u[c] - geo_.center_u) + nv * (p.v[c] - geo_.center_v);
    Piece plus, minus;
    for (int c = 0; c < p.n; ++c) {
      const int d = (c + 1) % p.n;
      if (side[c] >= 0.0 && plus.n < kMaxCorners) {
        plus.u[plus.n] = p.u[c];
        plus.v[plus.n++] = p.v[c];
      }
      if (side[c] <= 0.0 && minus.n < kMaxCorners) {
        minus.u[minus.n] = p.u[c];
        minus.v[minus.n++] = p.v[c];
      }
      if ((side[c] > 0.0 && side[d] < 0.0) || (side[c] < 0.0 && side[d] > 0.0)) {
        const double t = side[c] / (side[c] - side[d]);
        const double cu = p.u[c] + t * (p.u[d] - p.u[c]), cv = p.v[c] + t * (p.v[d] - p.v[c]);
        if (plus.n < kMaxCorners) {
          plus.u[plus.n] = cu;
          plus.v[plus.n++] = cv;
        }
        if (minus.n < kMaxCorners) {
          minus.u[minus.n] = cu;
          minus.v[minus.n++] = cv;
        }
      }
    }
    if (plus.n >= 3) out.push_back(plus);
    if (minus.n >= 3) out.push_back(minus);
  }

  // The degree-4 rule over a convex piece lying in one sector (fan triangles from its first corner).
  void add_piece(const Piece& p, double& value, double* out) const {
    double cu = 0.0, cv = 0.0;
    for (int c = 0; c < p.n; ++c) {
      cu += p.u[c];
      cv += p.v[c];
    }
    int segment[2];
    double share[2];
    weights_at(wa_at(cu / p.n, cv / p.n), wb_at(cu / p.n, cv / p.n), -1, segment, share);
    for (int t = 1; t + 1 < p.n; ++t) {
      const double u0 = p.u[0], v0 = p.v[0];
      const double u1 = p.u[t], v1 = p.v[t], u2 = p.u[t + 1], v2 = p.v[t + 1];
      const double area = 0.5 * std::abs((u1 - u0) * (v2 - v0) - (u2 - u0) * (v1 - v0)) * geo_.area;
      if (!(area > 0.0)) continue;
      for (int r = 0; r < 2; ++r) {
        const double a = kTriangleA[r], b = kTriangleB[r], weight = kTriangleW[r] * area;
        add_point(a * u0 + b * u1 + b * u2, a * v0 + b * v1 + b * v2, weight, segment[0], value, out);
        add_point(b * u0 + a * u1 + b * u2, b * v0 + a * v1 + b * v2, weight, segment[0], value, out);
        add_point(b * u0 + b * u1 + a * u2, b * v0 + b * v1 + a * v2, weight, segment[0], value, out);
      }
    }
  }

  // The value of the cell of size h centred at (u, v) (and its Jacobian in out).
  double cell(double u, double v, double h, double* out, SectorScratch& s) const {
    if (out) std::fill(out, out + np_, 0.0);
    double value = 0.0;
    bool cut_cell = false;
    if (layout_.kind == SectorKind::kWedge && layout_.count > 1)
      for (int k = 0; k < layout_.count && !cut_cell; ++k) cut_cell = crosses(k, u, v, h);
    if (!cut_cell) {
      const double weight = 0.25 * h * h * geo_.area;
      const double d = kGauss2Offset * h;
      for (int a = -1; a <= 1; a += 2)
        for (int b = -1; b <= 1; b += 2) add_point(u + a * d, v + b * d, weight, -1, value, out);
      return value;
    }
    Piece square;
    const double half = 0.5 * h;
    const double su[4] = {u - half, u + half, u + half, u - half}, sv[4] = {v - half, v - half, v + half, v + half};
    square.n = 4;
    for (int c = 0; c < 4; ++c) {
      square.u[c] = su[c];
      square.v[c] = sv[c];
    }
    s.pieces.assign(1, square);
    for (int k = 0; k < layout_.count; ++k) {
      if (!crosses(k, u, v, h)) continue;
      if (out) add_jump(k, u, v, h, out);
      s.cut.clear();
      for (const Piece& p : s.pieces) cut(p, k, s.cut);
      s.pieces.swap(s.cut);
    }
    for (const Piece& p : s.pieces) add_piece(p, value, out);
    return value;
  }

  // Whether the cell of size h at (u, v) holds less light than budget whatever its values say: for a
  // compact profile (HasEdge, profile.hpp), its area times the largest I of any segment within its
  // reach. Its value (Gauss points inside it, positive weights) and its integral both lie between 0
  // and that bound, so taking it as it is errs by less: the cells straddling an edge stop splitting
  // where the light next to the edge is negligible, not only at the last level.
  bool negligible(double u, double v, double h, double budget) const {
    if constexpr (HasEdge<Radial>::value) {
      const double extent = half_diagonal_ * h;
      const double r = std::hypot(wa_at(u, v), wb_at(u, v));
      double log_max = kLogZeroBrightness;
      for (const Radial* segment : segments_) log_max = std::max(log_max, segment->log_max_within(r, extent));
      return h * h * geo_.area * std::exp(std::min(log_max, kMaxLogBrightness)) <= budget;
    } else {
      (void)u, (void)v, (void)h, (void)budget;
      return false;
    }
  }

  // Integrate the cell (u, v, h) whose own value is parent within budget: the value is added to
  // total, the Jacobian (with_jac) to s.sum. With the Jacobian, the children are evaluated with their
  // derivatives at once (into s.child_jac, 4 x np per depth), used if they are accepted: a cell's
  // refinement tree has about three accepted leaves per split one, so this costs less than
  // searching on values alone and evaluating the accepted cells again.
  void refine(double u, double v, double h, double parent, double budget, int depth, double& total, SectorScratch& s,
              bool with_jac) const {
    const double q = 0.25 * h;
    const double cu[4] = {u - q, u + q, u - q, u + q};
    const double cv[4] = {v - q, v - q, v + q, v + q};
    const std::size_t np = static_cast<std::size_t>(np_);
    double* jacs = with_jac ? s.child_jac.data() + static_cast<std::size_t>(depth) * 4 * np : nullptr;
    double child[4];
    double sum = 0.0;
    for (int c = 0; c < 4; ++c) {
      child[c] = cell(cu[c], cv[c], 0.5 * h, with_jac ? jacs + static_cast<std::size_t>(c) * np : nullptr, s);
      sum += child[c];
    }
    const bool last = depth + 1 >= opt_.max_depth;
    const bool converged =
        (std::abs(sum - parent) <= budget && !unresolved(u, v, h)) || negligible(u, v, h, budget);
    if (last || converged || !std::isfinite(sum)) {
      total += sum;
      if (!with_jac) return;
      for (std::size_t k = 0; k < 4 * np; ++k) s.sum[k % np] += jacs[k];
    } else {
      // A curve (an edge, a sharp truncation) crosses about two of the four children: half the budget
      // each keeps the share of the cells along it the same at every level (a quarter would halve it
      // level by level and split them to max_depth).
      const double child_budget = (near_singularity(wa_at(u, v), wb_at(u, v), h) ? 0.5 : 0.25) * budget;
      for (int c = 0; c < 4; ++c) refine(cu[c], cv[c], 0.5 * h, child[c], child_budget, depth + 1, total, s, with_jac);
    }
  }

  // The 4-point rule of the contour integrand over [a, b] of an edge: into value[4] (x, y, q, PA)
  // and the integral of |integrand| into magnitude[4].
  struct Edge {
    double Aa, Ab, Da, Db;  // the start corner in w, and the edge's step
    double dAa[kGeometricParams], dAb[kGeometricParams], dBa[kGeometricParams], dBb[kGeometricParams];
  };

  // The magnitude is that of h |V| |edge| (not of h V . N, which vanishes where the edge is parallel
  // to V: its halves would then agree only to rounding).
  void edge_rule(const Edge& e, double a, double b, double* value, double* magnitude) const {
    for (int p = 0; p < kGeometricParams; ++p) value[p] = magnitude[p] = 0.0;
    const double middle = 0.5 * (a + b), half = 0.5 * (b - a);
    const double length = std::hypot(e.Da, e.Db);
    for (int k = 0; k < 4; ++k) {
      const double t = middle + half * kGauss4X[k];
      const double h = half * kGauss4W[k] * brightness(e.Aa + t * e.Da, e.Ab + t * e.Db);
      for (int p = 0; p < kGeometricParams; ++p) {
        const double Va = (1.0 - t) * e.dAa[p] + t * e.dBa[p], Vb = (1.0 - t) * e.dAb[p] + t * e.dBb[p];
        value[p] += h * (Va * e.Db - Vb * e.Da);
        magnitude[p] += std::abs(h) * std::hypot(Va, Vb) * length;
      }
    }
  }

  void edge_integral(const Edge& e, double a, double b, const double* whole, int depth, double* total) const {
    const double middle = 0.5 * (a + b);
    double left[kGeometricParams], right[kGeometricParams], left_abs[kGeometricParams], right_abs[kGeometricParams];
    edge_rule(e, a, middle, left, left_abs);
    edge_rule(e, middle, b, right, right_abs);
    bool converged = true;
    for (int p = 0; p < kGeometricParams; ++p) {
      const double allowed = kEdgeRelativeTolerance * opt_.tolerance * (left_abs[p] + right_abs[p]);
      converged = converged && std::abs(left[p] + right[p] - whole[p]) <= allowed;
    }
    if (converged || depth >= kMaxEdgeDepth) {
      for (int p = 0; p < kGeometricParams; ++p) total[p] += left[p] + right[p];
      return;
    }
    edge_integral(e, a, middle, left, depth + 1, total);
    edge_integral(e, middle, b, right, depth + 1, total);
  }

  // d value / d(x, y, q, PA) of the cell of size h at (u, v) whose value is ``value`` (see the top of
  // the file).
  void boundary_derivatives(double u, double v, double h, double value, double* out) const {
    const double d = 0.5 * h;
    const double cu[5] = {u - d, u + d, u + d, u - d, u - d};  // counter-clockwise in (u, v)
    const double cv[5] = {v - d, v - d, v + d, v + d, v - d};
    double total[kGeometricParams] = {};
    for (int side = 0; side < 4; ++side) {
      Edge e{};
      e.Aa = wa_at(cu[side], cv[side]);
      e.Ab = wb_at(cu[side], cv[side]);
      const double Ba = wa_at(cu[side + 1], cv[side + 1]), Bb = wb_at(cu[side + 1], cv[side + 1]);
      e.Da = Ba - e.Aa;
      e.Db = Bb - e.Ab;
      detail::corner_derivatives(geo_, e.Aa, e.Ab, e.dAa, e.dAb);
      detail::corner_derivatives(geo_, Ba, Bb, e.dBa, e.dBb);
      // breaks: where the edge crosses a line of the layout, and the foot of the centre's perpendicular
      double breaks[SectorLayout::kMaxCount + 3];
      int count = 0;
      breaks[count++] = 0.0;
      for (int k = 0; k < layout_.count; ++k) {
        const double c = line_cos_[static_cast<std::size_t>(k)], s = line_sin_[static_cast<std::size_t>(k)];
        const double across = c * e.Db - s * e.Da;
        if (across == 0.0) continue;
        const double t = (s * e.Aa - c * e.Ab) / across;
        if (t > 0.0 && t < 1.0) breaks[count++] = t;
      }
      const double length2 = e.Da * e.Da + e.Db * e.Db;
      const double foot = length2 > 0.0 ? -(e.Aa * e.Da + e.Ab * e.Db) / length2 : 0.0;
      if (foot > 0.0 && foot < 1.0) breaks[count++] = foot;
      breaks[count++] = 1.0;
      std::sort(breaks, breaks + count);
      for (int k = 0; k + 1 < count; ++k) {
        if (!(breaks[k + 1] > breaks[k])) continue;
        double whole[kGeometricParams], magnitude[kGeometricParams];
        edge_rule(e, breaks[k], breaks[k + 1], whole, magnitude);
        edge_integral(e, breaks[k], breaks[k + 1], whole, 0, total);
      }
    }
    for (int p = 0; p < kGeometricParams; ++p) out[p] = orientation_ * geo_.q * total[p];
    out[2] += value * geo_.inv_q;  // the area factor q of w-area to plane area
  }

  void render_cut_pixel(int i, int j, double* image, double* jac, SectorScratch& s) const {
    s.child_jac.resize(static_cast<std::size_t>(std::max(opt_.max_depth, 1)) * 4 * static_cast<std::size_t>(np_));
    s.sum.resize(static_cast<std::size_t>(np_));
    const bool with_jac = jac != nullptr;
    const double u = j + 0.5, v = i + 0.5;
    const double first = cell(u, v, 1.0, nullptr, s);
    double budget = std::max(opt_.tolerance * std::max(std::abs(first), floor_), opt_.absolute_tolerance);
    double total = 0.0;
    for (int attempt = 0; attempt < 2; ++attempt) {
      total = 0.0;
      std::fill(s.sum.begin(), s.sum.end(), 0.0);
      refine(u, v, 1.0, first, budget, 0, total, s, with_jac);
      const double needed = std::max(opt_.tolerance * std::max(std::abs(total), floor_), opt_.absolute_tolerance);
      if (needed >= 0.5 * budget) break;
      budget = needed;  // the first estimate was far off (a cusp): again, with the budget of the result
    }
    const std::size_t npix = static_cast<std::size_t>(grid_.nx) * static_cast<std::size_t>(grid_.ny);
    const std::size_t at = static_cast<std::size_t>(i) * static_cast<std::size_t>(grid_.nx) + static_cast<std::size_t>(j);
    image[at] = total;
    if (!with_jac) return;
    // next to the centre, where dI/dR is singular, x, y, q and PA by the pixel's contour instead
    if (this->at_centre(u, v, 1.0)) boundary_derivatives(u, v, 1.0, total, s.sum.data());
    for (int p = 0; p < np_; ++p) jac[static_cast<std::size_t>(p) * npix + at] = s.sum[static_cast<std::size_t>(p)];
  }

  const SectorLayout layout_;
  const std::vector<const Radial*> segments_;
  const int nr_, ns_;  // parameters per segment, of all segments
  const bool blended_, cut_;  // a ray model of several rays; a wedge model of several wedges
  double orientation_ = 1.0;
  std::vector<double> line_cos_, line_sin_, normal_u_, normal_v_;
};

// The segments as pointers to alternative I of UntruncatedProfile (when the first is one), rendered;
// std::get_if rather than std::visit (see render_kernel.cpp).
template <std::size_t I = 0>
void render_segments(const PixelGrid& grid, const Ellipse& ellipse, const SectorProfile& profile,
                     const RenderOptions& options, double* image, double* jac) {
  if constexpr (I < std::variant_size_v<UntruncatedProfile>) {
    using Radial = std::variant_alternative_t<I, UntruncatedProfile>;
    if (std::get_if<I>(&profile.segments.front()) == nullptr) {
      render_segments<I + 1>(grid, ellipse, profile, options, image, jac);
      return;
    }
    std::vector<const Radial*> segments;
    for (const UntruncatedProfile& segment : profile.segments) segments.push_back(std::get_if<I>(&segment));
    SectorRenderer<Radial>(grid, ellipse, profile, std::move(segments), options).render(image, jac);
  }
}

}  // namespace

void render_profile(const PixelGrid& grid, const Ellipse& ellipse, const SectorProfile& profile,
                    const RenderOptions& options, double* image, double* jac) {
  render_segments(grid, ellipse, profile, options, image, jac);
}

}  // namespace polychrome::POLYCHROME_KERNEL_NAMESPACE
