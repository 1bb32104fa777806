// The level-by-level adaptive pixel quadrature shared by the renderers of brightnesses that are no
// function of the elliptical radius alone (internal header of cpp/src/kernels/, compiled once per
// CPU level): the shaped profiles (shaped_render.cpp) and the ray and wedge profiles
// (sector_render.cpp).
//
// A cell's value is the 2x2 Gauss-Legendre rule (exact for bicubic integrands, error O(h^4) for
// smooth ones). A cell is split 2x2 until the sum of its children's values differs from its own by
// less than its budget: the children's error is then a fraction of that difference (1/15 for a
// smooth integrand, about 1/4 next to a cusp), so the budget holds. The pixel's budget is
// max(tolerance x max(|value|, faint floor), absolute tolerance), shared equally among a cell's
// children; when the refined value shows the first estimate to have been far off (a cusp), the
// pixel is integrated again with the budget from the refined value. A cell near the centre larger
// than a quarter of the profile's size is always split, so that a profile much smaller than a pixel
// is never missed between the Gauss points.
//
// The work goes level by level: all cells of one image row at one level are evaluated in one
// vectorised loop (values only); the Jacobian is then computed in one more vectorised loop over the
// accepted cells alone. A row's level holds at most kMaxCellsPerLevel cells: beyond, that level is
// the last (its cells accepted as they are), which bounds the work of a brightness whose
// a-posteriori estimate never converges.
//
// LevelQuadrature<Derived, Scratch> is a CRTP base. Derived provides (Scratch derives from
// LevelScratch and holds whatever else Derived's loops need):
//   void evaluate_values(const double* wa, const double* wb, double* value, std::size_t n, Scratch&) const;
//       // I (flux/arcsec^2) at the n points w (n a multiple of kPointPadding)
//   void evaluate_jacobians(const double* wa, const double* wb, const double* weight, double* jac,
//                           std::size_t n, Scratch&) const;
//       // weight x dI/dp at the n points into jac[p * n + k], p over the np parameters
//   double value_at(double u, double v) const;      // I at one point (pixel coordinates)
// and may hide centre_derivatives (the Jacobian of a cell next to the centre; the default: x and y
// from the cell's boundary).
//   bool near_singularity(double wa, double wb, double h) const;
//   bool negligible(double u, double v, double h, double budget) const;
// and may hide own_pixel / render_own_pixels (pixels it integrates itself, by other means).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "kernels.hpp"
#include "polychrome/ellipse.hpp"
#include "polychrome/pixel_grid.hpp"
#include "polychrome/render_options.hpp"
#include "polychrome/thread_pool.hpp"
#include "polychrome/threads.hpp"

namespace polychrome::POLYCHROME_KERNEL_NAMESPACE {
namespace level_quadrature {

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
// Rows a task renders in turn: each row's bottom line of Simpson points is its predecessor's top line
// (accept_smooth_pixels), evaluated once.
constexpr int kRowsPerTask = 4;

// At least n elements in v (its size only ever grows: shrinking and growing again from batch to batch
// would zero the regrown part each time; the loops use the first n).
template <class T>
void reserve_points(std::vector<T>& v, std::size_t n) {
  if (v.size() < n) v.resize(n);
}

// A cell awaiting evaluation: centre (u, v) and size h in pixel coordinates, the pixel (column)
// it belongs to and its absolute error budget (negative: the pixel's own, not yet known).
struct Cell {
  double u, v, h, budget;
  int column;
};

// Per-thread work space of the shared loops, reused from row to row.
struct LevelScratch {
  std::vector<Cell> current, next, children, accepted;
  std::vector<double> parent, next_parent;    // per cell of current / next: its own value
  std::vector<double> wa, wb, weight, value;  // the points of one batch
  std::vector<double> jac;                    // num_params x padded points
  std::vector<double> sum, budget_used;       // per column
  std::vector<char> again;                    // per column: integrated again
  std::vector<double> jac_sum;                // num_params x columns
  std::vector<double> cell_jac;               // num_params: one cell's
  std::vector<double> top_line;               // I on the top line of the last row's pixels (accept_smooth_pixels)
  double top_v = -1.0;                        // that line's v (pixel coordinates); -1: none
};

template <class Derived, class Scratch>
class LevelQuadrature {
 public:
  /// grid, ellipse, opt: as render()'s; np: the Jacobian's columns; log_peak: ln of the largest
  /// brightness (flux/arcsec^2, for the faint floor); size: the profile's size (arcsec, in w).
  LevelQuadrature(const PixelGrid& grid, const Ellipse& ellipse, const RenderOptions& opt, int np,
                  double log_peak, double size)
      : grid_(grid), geo_(grid, ellipse), opt_(opt), np_(np) {
    floor_ = std::max(opt.faint_fraction * std::exp(std::min(log_peak, kMaxLogBrightness)) * geo_.area,
                      opt.absolute_tolerance / opt.tolerance);
    size_ = size;
    half_diagonal_ = std::sqrt(0.5 * geo_.tau);  // of a whole pixel in w, arcsec
  }

  /// The image (ny x nx, flux per pixel) and, when jac is not null, its Jacobian (np planes).
  void render(double* image, double* jac) const {
    const int ny = grid_.ny, nx = grid_.nx;
    const int threads = team_size(opt_.threads, static_cast<std::size_t>(nx) * static_cast<std::size_t>(ny),
                                  kMinRenderPixelsPerThread);
    std::vector<Scratch> scratch(static_cast<std::size_t>(threads));
    const std::size_t tasks = static_cast<std::size_t>((ny + kRowsPerTask - 1) / kRowsPerTask);
    parallel_for(tasks, threads, [&](std::size_t task, int slot) {
      const int first = static_cast<int>(task) * kRowsPerTask;
      for (int i = first; i < std::min(ny, first + kRowsPerTask); ++i)
        render_row(i, image, jac, scratch[static_cast<std::size_t>(slot)]);
    });
  }

 protected:
  const Derived& derived() const { return static_cast<const Derived&>(*this); }

  void w_at(double u, double v, double& wa, double& wb) const {
    wa = geo_.w0a + geo_.APaa * u + geo_.APab * v;
    wb = geo_.w0b + geo_.APba * u + geo_.APbb * v;
  }

  // Defaults of the hooks Derived may hide: no pixel of its own.
  bool own_pixel(int /*i*/, int /*j*/) const { return false; }
  void render_own_pixels(int /*i*/, double* /*image*/, double* /*jac*/, Scratch& /*s*/) const {}

  void render_row(int i, double* image, double* jac, Scratch& s) const {
    const int nx = grid_.nx;
    const std::size_t columns = static_cast<std::size_t>(nx);
    s.sum.assign(columns, 0.0);
    s.budget_used.assign(columns, 0.0);
    s.again.assign(columns, 0);
    s.accepted.clear();
    s.current.clear();
    const double v = i + 0.5;
    for (int j = 0; j < nx; ++j)
      if (!derived().own_pixel(i, j)) s.current.push_back({j + 0.5, v, 1.0, -1.0, j});
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
    if (jac != nullptr) {
      cell_jacobians(s);
      for (std::size_t j = 0; j < columns; ++j)
        for (int p = 0; p < np_; ++p)
          jac[static_cast<std::size_t>(p) * npix + row + j] =
              s.jac_sum[j * static_cast<std::size_t>(np_) + static_cast<std::size_t>(p)];
    }
    derived().render_own_pixels(i, image, jac, s);
  }

  // The 2x2 Gauss-Legendre points of `cells` (size h each, centres (u, v)) into s.wa, s.wb from
  // index 4 x first on; returns the padded point count.
  std::size_t place_points(const Cell* cells, std::size_t count, Scratch& s) const {
    const std::size_t n = (4 * count + kPointPadding - 1) / kPointPadding * kPointPadding;
    reserve_points(s.wa, n);
    reserve_points(s.wb, n);
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
  void integrate(Scratch& s, bool second = false) const {
    if (s.current.empty()) return;
    // the pixels' own values (the parents of the first level), in s.parent
    std::size_t n = place_points(s.current.data(), s.current.size(), s);
    reserve_points(s.value, n);
    derived().evaluate_values(s.wa.data(), s.wb.data(), s.value.data(), n, s);
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
      reserve_points(s.value, n);
      derived().evaluate_values(s.wa.data(), s.wb.data(), s.value.data(), n, s);
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
                               derived().negligible(cell.u, cell.v, cell.h, cell.budget);
        if (last || converged || !std::isfinite(sum)) {
          s.sum[static_cast<std::size_t>(cell.column)] += sum;
          for (int k = 0; k < 4; ++k) s.accepted.push_back(s.children[4 * c + static_cast<std::size_t>(k)]);
        } else {
          // A curve (an edge, a sharp truncation) crosses about two of the four children: half the
          // budget each keeps the share of the cells along it the same at every level (a quarter
          // would halve it level by level and split them to max_depth).
          double wa, wb;
          w_at(cell.u, cell.v, wa, wb);
          const double along_curve = derived().near_singularity(wa, wb, cell.h) ? 2.0 : 1.0;
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
  // the Gauss rule estimates the Gauss rule's error, -0.4 D at leading order for every smooth
  // integrand: both rules are exact to degree 3 and on x^2 y^2, and on x^4 they err by +1/120 and
  // -1/180 of its coefficient. A pixel is accepted when |D| is within its budget (its error then ~0.4
  // of it) and nothing forces it to be split (unresolved); the others are split as before. Most pixels
  // of a smooth image end here, at ~8 points a pixel instead of the 20 of a first split (and their
  // Jacobians at 4, not 16).
  // (Pixels Derived integrates itself are absent from s.current; the row's points serve them all.)
  void accept_smooth_pixels(Scratch& s) const {
    const std::size_t nx = static_cast<std::size_t>(grid_.nx), L = 2 * nx + 1;
    if (s.current.empty()) return;
    const double v = s.current.front().v;
    // Three lines of L points each, at u = 0, 1/2, 1, ..., nx: the pixels' top edges (v + 1/2), their
    // middles and their bottom edges; the bottom line is the previous row's top one where this scratch
    // rendered that row last (the same points: v - 1/2 and the previous v + 1/2 are the same integer).
    const bool shared = s.top_v == v - 0.5;
    const std::size_t lines = shared ? 2 : 3;
    const std::size_t count = lines * L;
    const std::size_t n = (count + kPointPadding - 1) / kPointPadding * kPointPadding;
    reserve_points(s.wa, n);
    reserve_points(s.wb, n);
    for (std::size_t line = 0; line < lines; ++line) {
      const double line_v = v + 0.5 - 0.5 * static_cast<double>(line);  // top, middle, bottom
      for (std::size_t k = 0; k < L; ++k)
        w_at(0.5 * static_cast<double>(k), line_v, s.wa[line * L + k], s.wb[line * L + k]);
    }
    for (std::size_t k = count; k < n; ++k) {
      s.wa[k] = s.wa[0];
      s.wb[k] = s.wb[0];
    }
    reserve_points(s.value, n);
    derived().evaluate_values(s.wa.data(), s.wb.data(), s.value.data(), n, s);
    const double* top = s.value.data();
    const double* middle = top + L;
    if (!shared) s.top_line.assign(middle + L, middle + 2 * L);  // this row's bottom line, in place of the last top
    const double* bottom = s.top_line.data();
    std::size_t kept = 0;
    for (std::size_t c = 0; c < s.current.size(); ++c) {
      const Cell cell = s.current[c];
      const std::size_t j = static_cast<std::size_t>(cell.column);
      const double corners = bottom[2 * j] + bottom[2 * j + 2] + top[2 * j] + top[2 * j + 2];
      const double edges = middle[2 * j] + middle[2 * j + 2] + bottom[2 * j + 1] + top[2 * j + 1];
      const double simpson = (corners + 4.0 * edges + 16.0 * middle[2 * j + 1]) * (1.0 / 36.0) * geo_.area;
      if (std::abs(simpson - s.parent[c]) <= cell.budget && !unresolved(cell.u, cell.v, cell.h)) {
        s.sum[j] += s.parent[c];
        s.accepted.push_back(cell);
      } else {
        const double parent = s.parent[c];
        s.current[kept] = cell;
        s.parent[kept] = parent;
        ++kept;
      }
    }
    s.current.resize(kept);
    s.parent.resize(kept);
    s.top_line.assign(top, top + L);
    s.top_v = v + 0.5;
  }

  // The Jacobians of the accepted cells (2x2 Gauss-Legendre), summed per column into s.jac_sum.
  void cell_jacobians(Scratch& s) const {
    const std::size_t columns = static_cast<std::size_t>(grid_.nx);
    const std::size_t np = static_cast<std::size_t>(np_);
    s.jac_sum.assign(columns * np, 0.0);
    s.cell_jac.resize(np);
    const std::size_t cells = s.accepted.size();
    if (cells == 0) return;
    const std::size_t n = place_points(s.accepted.data(), cells, s);
    reserve_points(s.weight, n);
    for (std::size_t c = 0; c < cells; ++c)
      for (int k = 0; k < 4; ++k) s.weight[4 * c + static_cast<std::size_t>(k)] = 0.25 * s.accepted[c].h * s.accepted[c].h * geo_.area;
    for (std::size_t k = 4 * cells; k < n; ++k) s.weight[k] = 0.0;
    reserve_points(s.jac, n * np);
    derived().evaluate_jacobians(s.wa.data(), s.wb.data(), s.weight.data(), s.jac.data(), n, s);
    for (std::size_t c = 0; c < cells; ++c) {
      const Cell& cell = s.accepted[c];
      double* out = s.jac_sum.data() + static_cast<std::size_t>(cell.column) * np;
      // straight into the column's sum, but for a cell at the centre: its own first, corrected
      const bool centre = at_centre(cell.u, cell.v, cell.h);
      double* target = centre ? s.cell_jac.data() : out;
      if (centre) std::fill(s.cell_jac.begin(), s.cell_jac.end(), 0.0);
      for (std::size_t p = 0; p < np; ++p) {
        const double* col = s.jac.data() + p * n + 4 * c;
        target[p] += col[0] + col[1] + col[2] + col[3];
      }
      if (!centre) continue;
      derived().centre_derivatives(cell.u, cell.v, cell.h, s.cell_jac.data());
      for (std::size_t p = 0; p < np; ++p) out[p] += s.cell_jac[p];
    }
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
        along += 0.5 * kW[k] * derived().value_at(cu[e] + t * du, cv[e] + t * dv);
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
    return derived().near_singularity(wa, wb, h) ||
           (extent > kResolvedFraction * size_ && r - extent < kNearCentreSizes * size_) ||
           (extent > kCuspResolution * size_ && r < 2.0 * extent);
  }

  const PixelGrid grid_;
  const EllipseGeometry geo_;
  const RenderOptions opt_;
  const int np_;
  double floor_ = 0.0, size_ = 0.0, half_diagonal_ = 0.0;
};

}  // namespace level_quadrature
}  // namespace polychrome::POLYCHROME_KERNEL_NAMESPACE
