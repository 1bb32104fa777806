// The renderer of shaped profiles (see shaped_profile.hpp), compiled once per
// CPU level (see polychrome/cpu_kernels.hpp); render_kernel.cpp calls it.
//
// A cell's value is the 2x2 Gauss-Legendre rule (exact for bicubic
// integrands, error O(h^4) for smooth ones). A cell is split 2x2 until the sum
// of its children's values differs from its own by less than its budget: the
// children's error is then a fraction of that difference (1/15 for a smooth
// integrand, about 1/4 next to a cusp), so the budget holds. The pixel's
// budget is max(tolerance x max(|value|, faint floor), absolute tolerance),
// shared equally among a cell's children; when the refined value shows the
// first estimate to have been far off (a cusp), the pixel is integrated again
// with the budget from the refined value. A cell near the centre larger than
// a quarter of the profile's size is always split, so that a profile much
// smaller than a pixel is never missed between the Gauss points.
//
// As in the elliptical engine (render_engine.hpp), the work goes level by
// level: all cells of one image row at one level are evaluated in one
// vectorised loop (values only, fast_exp / fast_log); the Jacobian is then
// computed in one more vectorised loop over the accepted cells alone. A row's
// level holds at most kMaxCellsPerLevel cells: beyond, that level is the last
// (its cells accepted as they are), which bounds the work of a shape whose
// a-posteriori estimate never converges (see kMaxCellsPerLevel).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "kernels.hpp"
#include "polychrome/fast_math.hpp"
#include "polychrome/profile.hpp"
#include "polychrome/shaped_profile.hpp"
#include "polychrome/thread_pool.hpp"
#include "polychrome/threads.hpp"

namespace polychrome::POLYCHROME_KERNEL_NAMESPACE {

namespace {

// The Gauss-Legendre nodes on a cell of size h, as offsets from its centre in units of h:
// 2 points at +-1/(2 sqrt 3), weights 1/2.
constexpr double kGauss2Offset = 0.28867513459481288225;
// Point batches are padded to a multiple of this (whole SIMD vectors).
constexpr std::size_t kPointPadding = 8;
// Cells within this many profile sizes of the centre (plus their own extent) are split while
// larger than kResolvedFraction of the size.
constexpr double kNearCentreSizes = 3.0;
constexpr double kResolvedFraction = 0.25;
// The cells at the centre itself (within two of their half-diagonals) are split down to this
// fraction of the size: a cusp's derivatives (the Jacobian) are more singular than its values,
// and converge only there. A handful of cells a level: cheap.
constexpr double kCuspResolution = 1e-3;
// How far the shape's radius R may change across a cell, per unit of the cell's half-diagonal in w
// (a boxy superellipse's 1.4, a Fourier shape's or a warp's factor of a few): the margin by which a
// cell must resolve a truncation's width in R.
constexpr double kShapeReach = 3.0;
// ... and the fraction of that distance a cell's reach in R may be (the elliptical engine's
// Taylor-radius limit, cell_quadrature.hpp).
constexpr double kPoleResolution = 0.5;
// Cells this close to the centre (in their half-diagonals) take their centre derivatives from their
// boundary (see centre_derivatives).
constexpr double kBoundaryDerivativeReach = 6.0;
// ln I is capped here: a Gauss point on a cusp's very centre must not overflow.
constexpr double kMaxLogBrightness = 690.0;
// A pixel is integrated again, with the budget from its integral, when that budget is smaller
// than this fraction of the one its first integration used.
constexpr double kBudgetRetryFactor = 0.5;
// Most cells one level of one row may hold before that level is made the last. Converging
// shapes stay far below (a cusp's centre adds a few cells a level, a pixel-sized feature a few
// hundred); a shape whose estimate does not converge (isophotes thinner than the cells can
// resolve, e.g. a warp's q(R) overshooting to its floor) would split every cell of the row down
// to max_depth (4^14 cells a pixel: the hours-long renders of such draws). The cap bounds a
// row's work to ~14 levels x 2^16 cells x 4 points.
constexpr std::size_t kMaxCellsPerLevel = std::size_t{1} << 14;
// Profiles with at most this many parameters have their dL/dp rows stored by a loop of
// compile-time length (unrolled: the point loop still vectorises); a spline's run-time count is not.
constexpr int kMaxUnrolledRadialParams = 8;
// Rows a task renders in turn: each row's bottom line of Simpson points is its predecessor's top line
// (accept_smooth_pixels), evaluated once.
constexpr int kRowsPerTask = 4;

// A cell awaiting evaluation: centre (u, v) and size h in pixel coordinates, the pixel (column)
// it belongs to and its absolute error budget (negative: the pixel's own, not yet known).
struct Cell {
  double u, v, h, budget;
  int column;
};

// Per-thread work space, reused from row to row.
struct RowScratch {
  std::vector<Cell> current, next, children, accepted;
  std::vector<double> parent, next_parent;    // per cell of current / next: its own value
  std::vector<double> wa, wb, weight, value;  // the points of one batch
  std::vector<double> jac;                    // num_params x padded points
  std::vector<double> sum, budget_used;       // per column
  std::vector<char> again;                    // per column: integrated again
  std::vector<double> jac_sum;                // num_params x columns
  std::vector<double> cell_jac;               // num_params: one cell's
  std::vector<double> point_I, point_IL1R;    // per point of a Jacobian batch: I, dI/d ln R
  std::vector<double> radial_dL;              // radial rows x points: dL/dp
  std::vector<double> R, lnR, Ra, Rb;         // per point of a batch: the shape's R, ln R, dR/dwa, dR/dwb
  std::vector<double> shape_work;             // the shape's own scratch (HasBatchedRadii)
  std::vector<double> top_line;               // I on the top line of the last row's pixels (accept_smooth_pixels)
  double top_v = -1.0;                        // that line's v (pixel coordinates); -1: none
};

// Whether a shape computes R over a batch of points in passes of its own (radii<kDerivatives>,
// see FourierIsophote), rather than point by point in the renderer's loops.
template <class Shape, class = void>
struct HasBatchedRadii : std::false_type {};
template <class Shape>
struct HasBatchedRadii<Shape, std::void_t<decltype(&Shape::template radii<true>)>> : std::true_type {};

// Whether a shape gives ln R at a point (log_radius, see SuperellipseIsophote) more cheaply than R: the
// profiles take ln R (Radius::log_r), and most of them need no R for their value.
template <class Shape, class = void>
struct HasLogRadius : std::false_type {};
template <class Shape>
struct HasLogRadius<Shape, std::void_t<decltype(std::declval<const Shape&>().log_radius(0.0, 0.0))>>
    : std::true_type {};

// ln of the smallest radius (arcsec) at which a profile is evaluated: R = 0 (a cusp's centre) is taken there.
constexpr double kSmallestRadius = 1e-300;
constexpr double kLogSmallestRadius = -690.77552789821370521;  // ln 1e-300

template <class Radial, class Shape>
class ShapedRenderer {
 public:
  ShapedRenderer(const PixelGrid& grid, const Ellipse& ellipse, const Radial& radial, const Shape& shape,
                 const RenderOptions& opt)
      : grid_(grid), geo_(grid, ellipse), radial_(radial), shape_(shape), opt_(opt),
        nr_(radial.num_params()), ns_(shape.num_params()), np_(kGeometricParams + nr_ + ns_) {
    floor_ = std::max(opt.faint_fraction * std::exp(std::min(radial.log_peak(), kMaxLogBrightness)) * geo_.area,
                      opt.absolute_tolerance / opt.tolerance);
    size_ = radial.size();
    half_diagonal_ = std::sqrt(0.5 * geo_.tau);  // of a whole pixel in w, arcsec
  }

  void render(double* image, double* jac) const {
    const int ny = grid_.ny, nx = grid_.nx;
    const int threads = team_size(opt_.threads, static_cast<std::size_t>(nx) * static_cast<std::size_t>(ny),
                                  kMinRenderPixelsPerThread);
    std::vector<RowScratch> scratch(static_cast<std::size_t>(threads));
    const std::size_t tasks = static_cast<std::size_t>((ny + kRowsPerTask - 1) / kRowsPerTask);
    parallel_for(tasks, threads, [&](std::size_t task, int slot) {
      const int first = static_cast<int>(task) * kRowsPerTask;
      for (int i = first; i < std::min(ny, first + kRowsPerTask); ++i)
        render_row(i, image, jac, scratch[static_cast<std::size_t>(slot)]);
    });
  }

 private:
  void w_at(double u, double v, double& wa, double& wb) const {
    wa = geo_.w0a + geo_.APaa * u + geo_.APab * v;
    wb = geo_.w0b + geo_.APba * u + geo_.APbb * v;
  }

  void render_row(int i, double* image, double* jac, RowScratch& s) const {
    const int nx = grid_.nx;
    const std::size_t columns = static_cast<std::size_t>(nx);
    s.sum.assign(columns, 0.0);
    s.budget_used.assign(columns, 0.0);
    s.again.assign(columns, 0);
    s.accepted.clear();
    s.current.clear();
    const double v = i + 0.5;
    for (int j = 0; j < nx; ++j) s.current.push_back({j + 0.5, v, 1.0, -1.0, j});
    integrate(s);
    // Pixels whose first estimate was far off (a cusp): again, with the budget of the result.
    s.current.clear();
    for (int j = 0; j < nx; ++j) {
      const double needed = std::max(opt_.tolerance * std::max(std::abs(s.sum[static_cast<std::size_t>(j)]), floor_),
                                     opt_.absolute_tolerance);
      if (needed < kBudgetRetryFactor * s.budget_used[static_cast<std::size_t>(j)]) {
        s.current.push_back({j + 0.5, v, 1.0, needed, j});
        s.again[static_cast<std::size_t>(j)] = 1;
        s.sum[static_cast<std::size_t>(j)] = 0.0;
      }
    }
    if (!s.current.empty()) {
      s.accepted.erase(std::remove_if(s.accepted.begin(), s.accepted.end(),
                                      [&](const Cell& c) { return s.again[static_cast<std::size_t>(c.column)] == 1; }),
                       s.accepted.end());
      integrate(s, true);
    }
    const std::size_t npix = static_cast<std::size_t>(grid_.nx) * static_cast<std::size_t>(grid_.ny);
    const std::size_t row = static_cast<std::size_t>(i) * columns;
    std::copy(s.sum.begin(), s.sum.end(), image + row);
    if (jac == nullptr) return;
    cell_jacobians(s);
    for (std::size_t j = 0; j < columns; ++j)
      for (int p = 0; p < np_; ++p)
        jac[static_cast<std::size_t>(p) * npix + row + j] = s.jac_sum[j * static_cast<std::size_t>(np_) + static_cast<std::size_t>(p)];
  }

  // The 2x2 Gauss-Legendre points of `cells` (size h each, centres (u, v)) into s.wa, s.wb from
  // index 4 x first on; returns the padded point count.
  std::size_t place_points(const Cell* cells, std::size_t count, RowScratch& s) const {
    const std::size_t n = (4 * count + kPointPadding - 1) / kPointPadding * kPointPadding;
    s.wa.resize(n);
    s.wb.resize(n);
    for (std::size_t c = 0; c < count; ++c) {
      const Cell& cell = cells[c];
      const double d = kGauss2Offset * cell.h;
      for (int a = 0; a < 2; ++a)
        for (int b = 0; b < 2; ++b)
          w_at(cell.u + (a ? d : -d), cell.v + (b ? d : -d), s.wa[4 * c + 2 * a + b], s.wb[4 * c + 2 * a + b]);
    }
    for (std::size_t k = 4 * count; k < n; ++k) {  // padding: copies of a real point
      s.wa[k] = s.wa[0];
      s.wb[k] = s.wb[0];
    }
    return n;
  }

  // Integrate the pixels s.current (cells of size 1, their budgets given, or negative: from the
  // pixel's own value) level by level: each cell awaiting refinement is split 2x2 and its children
  // are accepted when their sum agrees with its own value within its budget. Accepted values are
  // added to s.sum, the accepted cells kept in s.accepted (their Jacobians come later).
  void integrate(RowScratch& s, bool second = false) const {
    // the pixels' own values (the parents of the first level), in s.parent
    std::size_t n = place_points(s.current.data(), s.current.size(), s);
    s.value.resize(n);
    evaluate_values(s.wa.data(), s.wb.data(), s.value.data(), n, s);
    s.parent.resize(s.current.size());
    for (std::size_t c = 0; c < s.current.size(); ++c) {
      Cell& cell = s.current[c];
      const double* f = s.value.data() + 4 * c;
      s.parent[c] = 0.25 * (f[0] + f[1] + f[2] + f[3]) * geo_.area;
      if (!second) {
        cell.budget = std::max(opt_.tolerance * std::max(std::abs(s.parent[c]), floor_), opt_.absolute_tolerance);
        s.budget_used[static_cast<std::size_t>(cell.column)] = cell.budget;
      }
    }
    if (!second) accept_smooth_pixels(s);
    for (int depth = 0; !s.current.empty(); ++depth) {
      const std::size_t parents = s.current.size();
      s.children.resize(4 * parents);
      for (std::size_t c = 0; c < parents; ++c) {
        const Cell& cell = s.current[c];
        const double q = 0.25 * cell.h, h = 0.5 * cell.h, b = 0.25 * cell.budget;
        s.children[4 * c + 0] = {cell.u - q, cell.v - q, h, b, cell.column};
        s.children[4 * c + 1] = {cell.u + q, cell.v - q, h, b, cell.column};
        s.children[4 * c + 2] = {cell.u - q, cell.v + q, h, b, cell.column};
        s.children[4 * c + 3] = {cell.u + q, cell.v + q, h, b, cell.column};
      }
      n = place_points(s.children.data(), s.children.size(), s);
      s.value.resize(n);
      evaluate_values(s.wa.data(), s.wb.data(), s.value.data(), n, s);
      const bool last = depth + 1 >= opt_.max_depth || parents > kMaxCellsPerLevel;
      s.next.clear();
      s.next_parent.clear();
      for (std::size_t c = 0; c < parents; ++c) {
        const Cell& cell = s.current[c];
        double child[4], sum = 0.0;
        for (int k = 0; k < 4; ++k) {
          const double* f = s.value.data() + 16 * c + 4 * k;
          child[k] = 0.25 * (f[0] + f[1] + f[2] + f[3]) * 0.25 * cell.h * cell.h * geo_.area;
          sum += child[k];
        }
        const bool converged = (std::abs(sum - s.parent[c]) <= cell.budget && !unresolved(cell.u, cell.v, cell.h)) ||
                               negligible(cell.u, cell.v, cell.h, cell.budget);
        if (last || converged || !std::isfinite(sum)) {
          s.sum[static_cast<std::size_t>(cell.column)] += sum;
          for (int k = 0; k < 4; ++k) s.accepted.push_back(s.children[4 * c + static_cast<std::size_t>(k)]);
        } else {
          // A curve (an edge, a sharp truncation) crosses about two of the four children: half the
          // budget each keeps the share of the cells along it the same at every level (a quarter
          // would halve it level by level and split them to max_depth).
          double wa, wb;
          w_at(cell.u, cell.v, wa, wb);
          const double along_curve = near_singularity(wa, wb, cell.h) ? 2.0 : 1.0;
          for (int k = 0; k < 4; ++k) {
            s.next.push_back(s.children[4 * c + static_cast<std::size_t>(k)]);
            s.next.back().budget *= along_curve;
            s.next_parent.push_back(child[k]);
          }
        }
      }
      std::swap(s.current, s.next);
      std::swap(s.parent, s.next_parent);
    }
  }

  // The first pass over a row (s.current: its pixels in order, s.parent: their 2x2 Gauss values):
  // pixels whose Gauss value is accepted as it is, added to s.sum and s.accepted and taken out of
  // s.current. The difference D between the tensor Simpson rule (the pixel's corners, edge midpoints
  // and centre; shared with the neighbours, the bottom line with the row below: ~4 points a pixel) and
  // the Gauss rule estimates the Gauss rule's error, -0.4 D at leading order for every smooth integrand: both rules are exact to
  // degree 3 and on x^2 y^2, and on x^4 they err by +1/120 and -1/180 of its coefficient. A pixel is
  // accepted when |D| is within its budget (its error then ~0.4 of it) and nothing forces it to be
  // split (unresolved); the others are split as before. Most pixels of a smooth image end here, at
  // ~8 points a pixel instead of the 20 of a first split (and their Jacobians at 4, not 16).
  void accept_smooth_pixels(RowScratch& s) const {
    const std::size_t nx = static_cast<std::size_t>(grid_.nx), L = 2 * nx + 1;
    if (s.current.size() != nx) return;  // (every pixel of the row, in order)
    const double v = s.current.front().v;
    // Three lines of L points each, at u = 0, 1/2, 1, ..., nx: the pixels' bottom edges (v - 1/2), their
    // middles and their top edges; the bottom line is the previous row's top one where this scratch
    // rendered that row last (the same points: v - 1/2 and the previous v + 1/2 are the same integer).
    const bool shared = s.top_v == v - 0.5;
    const std::size_t lines = shared ? 2 : 3;
    const std::size_t count = lines * L;
    const std::size_t n = (count + kPointPadding - 1) / kPointPadding * kPointPadding;
    s.wa.resize(n);
    s.wb.resize(n);
    for (std::size_t line = 0; line < lines; ++line) {
      const double line_v = v + 0.5 - 0.5 * static_cast<double>(line);  // top, middle, bottom
      for (std::size_t k = 0; k < L; ++k)
        w_at(0.5 * static_cast<double>(k), line_v, s.wa[line * L + k], s.wb[line * L + k]);
    }
    for (std::size_t k = count; k < n; ++k) {
      s.wa[k] = s.wa[0];
      s.wb[k] = s.wb[0];
    }
    s.value.resize(n);
    evaluate_values(s.wa.data(), s.wb.data(), s.value.data(), n, s);
    const double* top = s.value.data();
    const double* middle = top + L;
    if (!shared) s.top_line.assign(middle + L, middle + 2 * L);  // this row's bottom line, in place of the last top
    const double* bottom = s.top_line.data();
    std::size_t kept = 0;
    for (std::size_t j = 0; j < nx; ++j) {
      const Cell& cell = s.current[j];
      const double corners = bottom[2 * j] + bottom[2 * j + 2] + top[2 * j] + top[2 * j + 2];
      const double edges = middle[2 * j] + middle[2 * j + 2] + bottom[2 * j + 1] + top[2 * j + 1];
      const double simpson = (corners + 4.0 * edges + 16.0 * middle[2 * j + 1]) * (1.0 / 36.0) * geo_.area;
      if (std::abs(simpson - s.parent[j]) <= cell.budget && !unresolved(cell.u, cell.v, cell.h)) {
        s.sum[j] += s.parent[j];
        s.accepted.push_back(cell);
      } else {
        s.current[kept] = cell;
        s.parent[kept] = s.parent[j];
        ++kept;
      }
    }
    s.current.resize(kept);
    s.parent.resize(kept);
    s.top_line.assign(top, top + L);
    s.top_v = v + 0.5;
  }

  // I at the n points (wa, wb) (n a multiple of kPointPadding), in vector loops: ln R by the shape's
  // own passes where it has them (HasBatchedRadii), else ln R or R in the one loop over the points.
  void evaluate_values(const double* wa, const double* wb, double* value, std::size_t n, RowScratch& s) const {
    const Radial& radial = radial_;  // (the simd pragma vouches that the outputs alias nothing)
    const Shape& shape = shape_;
    if constexpr (HasBatchedRadii<Shape>::value) {
      s.lnR.resize(n);
      double* lnR = s.lnR.data();
      shape.template radii<false>(wa, wb, n, lnR, nullptr, nullptr, nullptr, nullptr, 0, s.shape_work);
#pragma omp simd
      for (std::size_t k = 0; k < n; ++k) value[k] = brightness_at_log(radial, lnR[k]);
    } else if constexpr (HasLogRadius<Shape>::value) {
#pragma omp simd
      for (std::size_t k = 0; k < n; ++k) value[k] = brightness_at_log(radial, shape.log_radius(wa[k], wb[k]));
    } else {
#pragma omp simd
      for (std::size_t k = 0; k < n; ++k) value[k] = brightness(radial, shape.radius(wa[k], wb[k]));
    }
  }

  // I at radius R (fast_exp, fast_log: vectorises).
  static POLYCHROME_INLINE double brightness(const Radial& radial, double R) {
    const double R_eval = R > 0.0 ? R : kSmallestRadius;
    const Radius rad{R_eval * R_eval, R_eval, 1.0 / R_eval, fast_log(R_eval)};
    LogDerivatives d{};
    radial.eval(rad, d);
    return fast_exp(std::min(d.L, kMaxLogBrightness));
  }

  // I at ln R: R itself (an exponential) is computed only where the profile's value uses it (the
  // compiler drops it otherwise: a Sersic's value needs ln R alone).
  static POLYCHROME_INLINE double brightness_at_log(const Radial& radial, double lnR) {
    const double ln_eval = std::max(lnR, kLogSmallestRadius);
    const double R = fast_exp(ln_eval);
    const Radius rad{R * R, R, 1.0 / R, ln_eval};
    LogDerivatives d{};
    radial.eval(rad, d);
    return fast_exp(std::min(d.L, kMaxLogBrightness));
  }

  // The Jacobians of the accepted cells (2x2 Gauss-Legendre), summed per column into s.jac_sum.
  void cell_jacobians(RowScratch& s) const {
    const std::size_t columns = static_cast<std::size_t>(grid_.nx);
    const std::size_t np = static_cast<std::size_t>(np_);
    s.jac_sum.assign(columns * np, 0.0);
    s.cell_jac.resize(np);
    const std::size_t cells = s.accepted.size();
    const std::size_t n = place_points(s.accepted.data(), cells, s);
    s.weight.resize(n);
    for (std::size_t c = 0; c < cells; ++c)
      for (int k = 0; k < 4; ++k) s.weight[4 * c + static_cast<std::size_t>(k)] = 0.25 * s.accepted[c].h * s.accepted[c].h * geo_.area;
    for (std::size_t k = 4 * cells; k < n; ++k) s.weight[k] = 0.0;
    s.jac.resize(n * np);
    evaluate_jacobians(s.wa.data(), s.wb.data(), s.weight.data(), s.jac.data(), n, s);
    for (std::size_t c = 0; c < cells; ++c) {
      const Cell& cell = s.accepted[c];
      for (std::size_t p = 0; p < np; ++p) {
        const double* col = s.jac.data() + p * n + 4 * c;
        s.cell_jac[p] = col[0] + col[1] + col[2] + col[3];
      }
      if (at_centre(cell.u, cell.v, cell.h)) centre_derivatives(cell.u, cell.v, cell.h, s.cell_jac.data());
      double* out = s.jac_sum.data() + static_cast<std::size_t>(cell.column) * np;
      for (std::size_t p = 0; p < np; ++p) out[p] += s.cell_jac[p];
    }
  }

  // One point of evaluate_jacobians, at shape radius R (its log lnR; dR/dwa, dR/dwb: Ra, Rb): the geometric
  // columns into out (rows stride apart), dL/dp of the radial parameters into radial_dL, and I, dI/d ln R. A function
  // of its own because arrays declared in a simd loop's body become per-lane arrays, which gcc does
  // not vectorise through the profile's pointer arguments; here they are plain locals.
  POLYCHROME_INLINE void point_jacobian(double wa, double wb, double R, double lnR, double Ra, double Rb,
                                        double weight, double* out, double* radial_dL, std::ptrdiff_t stride,
                                        double& I_out, double& IL1R_out) const {
    const int nr = nr_;
    const bool lit = R > 0.0;
    const double R_eval = lit ? R : kSmallestRadius;
    const Radius rad{R_eval * R_eval, R_eval, 1.0 / R_eval, lit ? lnR : kLogSmallestRadius};
    LogDerivatives d{};
    double dL[Radial::kMaxParams], dL1[Radial::kMaxParams], dL2[Radial::kMaxParams];
    radial_.eval_with_params(rad, d, dL, dL1, dL2);
    const double I = weight * fast_exp(std::min(d.L, kMaxLogBrightness));
    const double IL1 = I * d.L1;
    // geometry through w: x, y, q, PA (as in cell_quadrature.hpp)
    out[0] = IL1 * (Ra * geo_.dw_dxc_a + Rb * geo_.dw_dxc_b);
    out[stride] = IL1 * (Ra * geo_.dw_dyc_a + Rb * geo_.dw_dyc_b);
    out[2 * stride] = IL1 * (Rb * (-wb * geo_.inv_q));
    out[3 * stride] = IL1 * (Ra * geo_.q * wb - Rb * wa * geo_.inv_q);
    I_out = I;
    IL1R_out = IL1 * R;  // dI/d ln R (0 at R = 0: L1 is finite there, taken at R_eval)
    if constexpr (Radial::kMaxParams <= kMaxUnrolledRadialParams) {
#pragma GCC unroll 8
      for (int p = 0; p < Radial::kMaxParams; ++p) radial_dL[p * stride] = dL[p];
    } else {
      for (int p = 0; p < nr; ++p) radial_dL[p * stride] = dL[p];
    }
  }

  // weight x dI/dp at the n points, into jac[p * n + k]. gcc vectorises a loop over points only
  // when it holds at most one inner loop of run-time length, so the work goes in passes: one loop
  // over the points for everything per point (the geometric columns, the shape's d ln R rows, and
  // the radial profile's dL/dp, a compile-time count of rows where the profile has few), then one
  // contiguous loop per profile or shape parameter scaling its row.
  void evaluate_jacobians(const double* wa_in, const double* wb_in, const double* weight, double* jac,
                          std::size_t n, RowScratch& s) const {
    const int nr = nr_, ns = ns_;
    const std::ptrdiff_t stride = static_cast<std::ptrdiff_t>(n);
    constexpr bool kFewRadialParams = Radial::kMaxParams <= kMaxUnrolledRadialParams;
    const int radial_rows = kFewRadialParams ? Radial::kMaxParams : nr;
    s.point_I.resize(n);
    s.point_IL1R.resize(n);
    s.radial_dL.resize(n * static_cast<std::size_t>(radial_rows));
    double* point_I = s.point_I.data();
    double* point_IL1R = s.point_IL1R.data();
    double* radial_dL = s.radial_dL.data();
    double* shape_rows = jac + (kGeometricParams + nr) * stride;
    if constexpr (HasBatchedRadii<Shape>::value) {
      s.R.resize(n);
      s.lnR.resize(n);
      s.Ra.resize(n);
      s.Rb.resize(n);
      const double* R = s.R.data();
      const double* lnR = s.lnR.data();
      const double* Ra = s.Ra.data();
      const double* Rb = s.Rb.data();
      shape_.template radii<true>(wa_in, wb_in, n, s.lnR.data(), s.R.data(), s.Ra.data(), s.Rb.data(), shape_rows,
                                  stride, s.shape_work);
#pragma omp simd
      for (std::ptrdiff_t k = 0; k < stride; ++k)
        point_jacobian(wa_in[k], wb_in[k], R[k], lnR[k], Ra[k], Rb[k], weight[k], jac + k, radial_dL + k, stride,
                       point_I[k], point_IL1R[k]);
    } else if constexpr (HasLogRadius<Shape>::value) {
#pragma omp simd
      for (std::ptrdiff_t k = 0; k < stride; ++k) {
        double R, lnR, Ra, Rb;
        shape_.log_radius(wa_in[k], wb_in[k], R, lnR, Ra, Rb, shape_rows + k, stride);
        point_jacobian(wa_in[k], wb_in[k], R, lnR, Ra, Rb, weight[k], jac + k, radial_dL + k, stride, point_I[k],
                       point_IL1R[k]);
      }
    } else {
#pragma omp simd
      for (std::ptrdiff_t k = 0; k < stride; ++k) {
        double R, Ra, Rb;
        shape_.radius(wa_in[k], wb_in[k], R, Ra, Rb, shape_rows + k, stride);
        point_jacobian(wa_in[k], wb_in[k], R, fast_log(R), Ra, Rb, weight[k], jac + k, radial_dL + k, stride,
                       point_I[k], point_IL1R[k]);
      }
    }
    for (int p = 0; p < nr; ++p) {
      double* row = jac + (kGeometricParams + p) * stride;
      const double* dLp = radial_dL + p * stride;
#pragma omp simd
      for (std::ptrdiff_t k = 0; k < stride; ++k) row[k] = point_I[k] * dLp[k];
    }
    for (int p = 0; p < ns; ++p) {
      double* row = jac + (kGeometricParams + nr + p) * stride;
#pragma omp simd
      for (std::ptrdiff_t k = 0; k < stride; ++k) row[k] *= point_IL1R[k];
    }
  }

  // I at (u, v), for the boundary integrals of centre_derivatives.
  double value_at(double u, double v) const {
    double wa, wb;
    w_at(u, v, wa, wb);
    const double R = shape_.radius(wa, wb);
    const double R_eval = R > 0.0 ? R : kSmallestRadius;
    const Radius rad{R_eval * R_eval, R_eval, 1.0 / R_eval, std::log(R_eval)};
    LogDerivatives d{};
    radial_.eval(rad, d);
    return std::exp(std::min(d.L, kMaxLogBrightness));
  }

  // Whether the cell of size h at (u, v) lies within kBoundaryDerivativeReach of its half-diagonals
  // from the centre (its centre derivatives are then taken on its boundary).
  bool at_centre(double u, double v, double h) const {
    double wa, wb;
    w_at(u, v, wa, wb);
    return std::sqrt(wa * wa + wb * wb) < kBoundaryDerivativeReach * half_diagonal_ * h;
  }

  // d value / d (x, y) of the cell of size h at (u, v) as boundary integrals: moving the centre by
  // dc moves the profile by dc, so d/dc_x int_cell I = -contour integral of I dy, d/dc_y = +contour
  // integral of I dx (the divergence theorem; counter-clockwise in the plane). Next to a cusp the
  // cell integral of dI/dx converges slowly; I along the edges is bounded.
  void centre_derivatives(double u, double v, double h, double* out) const {
    static constexpr double kX[4] = {-0.8611363115940526, -0.3399810435848563, 0.3399810435848563,
                                     0.8611363115940526};
    static constexpr double kW[4] = {0.3478548451374538, 0.6521451548625461, 0.6521451548625461,
                                     0.3478548451374538};
    const double d = 0.5 * h;
    const double cu[5] = {u - d, u + d, u + d, u - d, u - d};  // counter-clockwise in (u, v)
    const double cv[5] = {v - d, v - d, v + d, v + d, v - d};
    const double det = grid_.P[0][0] * grid_.P[1][1] - grid_.P[0][1] * grid_.P[1][0];
    const double orientation = det > 0.0 ? 1.0 : -1.0;
    double sx = 0.0, sy = 0.0;
    for (int e = 0; e < 4; ++e) {
      const double du = cu[e + 1] - cu[e], dv = cv[e + 1] - cv[e];
      const double dx = grid_.P[0][0] * du + grid_.P[0][1] * dv;  // the edge in the plane, arcsec
      const double dy = grid_.P[1][0] * du + grid_.P[1][1] * dv;
      double along = 0.0;
      for (int k = 0; k < 4; ++k) {
        const double t = 0.5 * (1.0 + kX[k]);
        along += 0.5 * kW[k] * value_at(cu[e] + t * du, cv[e] + t * dv);
      }
      sx -= along * dy;
      sy += along * dx;
    }
    out[0] = orientation * sx;
    out[1] = orientation * sy;
  }

  // Must a cell of size h at (u, v) be split whatever its values say?
  bool unresolved(double u, double v, double h) const {
    double wa, wb;
    w_at(u, v, wa, wb);
    const double extent = half_diagonal_ * h;
    const double r = std::sqrt(wa * wa + wb * wb);  // (no overflow: |w| is far below 1e154 arcsec)
    return near_singularity(wa, wb, h) || (extent > kResolvedFraction * size_ && r - extent < kNearCentreSizes * size_) ||
           (extent > kCuspResolution * size_ && r < 2.0 * extent);
  }

  // Whether a cell of size h centred at (wa, wb) in w is large against the distance from its radius to the radial
  // profile's singularities (a truncation's poles: its width; a compact profile's edge): it may hold a
  // step that its Gauss points and its children's both miss, and is split until it resolves it.
  bool near_singularity(double wa, double wb, double h) const {
    if constexpr (HasSingularities<Radial>::value) {
      const double R = shape_.radius(wa, wb);
      return kShapeReach * half_diagonal_ * h > kPoleResolution * std::sqrt(radial_.singular_distance2(R));
    } else {
      (void)wa, (void)wb, (void)h;
      return false;
    }
  }

  // Whether the cell of size h at (u, v) holds less light than budget whatever its values say: for a
  // compact profile (HasEdge, profile.hpp), its area times the largest I within its reach in R. Its
  // value (Gauss points inside it, positive weights) and its integral both lie between 0 and that
  // bound, so taking it as it is errs by less: the cells straddling an edge stop splitting where the
  // light next to the edge is negligible, not only at the last level.
  bool negligible(double u, double v, double h, double budget) const {
    if constexpr (HasEdge<Radial>::value) {
      double wa, wb;
      w_at(u, v, wa, wb);
      const double reach = kShapeReach * half_diagonal_ * h;
      const double log_max = radial_.log_max_within(shape_.radius(wa, wb), reach);
      return h * h * geo_.area * std::exp(std::min(log_max, kMaxLogBrightness)) <= budget;
    } else {
      (void)u, (void)v, (void)h, (void)budget;
      return false;
    }
  }

  const PixelGrid grid_;
  const EllipseGeometry geo_;
  const Radial& radial_;
  const Shape shape_;
  const RenderOptions opt_;
  const int nr_, ns_, np_;
  double floor_ = 0.0, size_ = 0.0, half_diagonal_ = 0.0;
};

template <class Radial, class Shape>
void render_shaped(const PixelGrid& grid, const Ellipse& ellipse, const Radial& radial, const Shape& shape,
                   const RenderOptions& options, double* image, double* jac) {
  ShapedRenderer<Radial, Shape>(grid, ellipse, radial, shape, options).render(image, jac);
}

}  // namespace

void render_profile(const PixelGrid& grid, const Ellipse& ellipse, const ShapedProfile& profile,
                    const RenderOptions& options, double* image, double* jac) {
  std::visit(
      [&](const auto& radial, const auto& shape) {
        using Shape = std::decay_t<decltype(shape)>;
        if constexpr (std::is_same_v<Shape, WarpIsophote>) {
          // the warp's inner shape bound to its type, so that the loops inline it
          std::visit([&](const auto& inner) {
            using Inner = std::decay_t<decltype(inner)>;
            render_shaped(grid, ellipse, radial, WarpOf<Inner>{shape, inner}, options, image, jac);
          }, shape.inner);
        } else {
          render_shaped(grid, ellipse, radial, shape, options, image, jac);
        }
      },
      profile.radial, profile.isophote);
}

}  // namespace polychrome::POLYCHROME_KERNEL_NAMESPACE
