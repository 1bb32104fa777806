// Adaptive pixel integration of a radial profile over a pixel grid, with the
// Jacobian of every pixel computed by the same quadrature.
//
// Level 0 (every pixel, vectorised): one Laplacian-corrected midpoint
// evaluation with an a-priori estimate of its error (the leading neglected
// Taylor term). A pixel is accepted when that error is below tolerance x its
// value (or x the faint floor, or the absolute tolerance), or when an upper bound of its whole integral
// is negligible.
// Levels 1, 2, ... (only the cells not yet accepted, typically near the
// centre): each is split 2x2 and all the children of one image row at one
// level are evaluated in one vectorised batch. A child whose a-priori
// estimate holds is accepted when that estimate fits its share of the
// budget; a child where it does not hold (it contains the centre and uses the
// plain midpoint rule, because a cusp has no Taylor expansion, or it is too
// large for the Taylor series there) is accepted when its parent's value
// agrees with the sum of its four children ("a-posteriori" cells); a child
// that does not resolve the profile (large against a truncation's width next
// to it: kUnresolvedError) is never accepted by either rule. Any cell
// whose whole integral is negligible is accepted. The rest go to the next
// level.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "polychrome/cell_quadrature.hpp"
#include "polychrome/dark_tail.hpp"
#include "polychrome/edge_pixel_quadrature.hpp"
#include "polychrome/ellipse.hpp"
#include "polychrome/kernel_namespace.hpp"
#include "polychrome/pixel_grid.hpp"
#include "polychrome/polar_quadrature.hpp"
#include "polychrome/render_options.hpp"
#include "polychrome/thread_pool.hpp"
#include "polychrome/threads.hpp"
#include "polychrome/uninitialized_vector.hpp"

namespace polychrome {
namespace POLYCHROME_KERNEL_NAMESPACE {

namespace detail {

// Fraction of a cell's budget that the a-posteriori estimate of the error
// left in its children's sum must meet.
constexpr double kPosterioriShare = 0.25;

// Ratio of successive changes of a cell containing a cusp I ~ r^(1/n) under
// 2x2 splitting by the plain midpoint rule: about 2^-(2 + 1/n), at least 1/4
// for every n (the smallest ratio the a-posteriori test will believe).
constexpr double kSlowestCuspRatio = 0.25;

// A pixel is refined again, with the budget from its value, when that budget
// is smaller than this fraction of the one its first refinement used.
constexpr double kBudgetRetryFactor = 0.5;

// Most groups of four cells one level of one row may hold before that level
// is made the last (its cells accepted as they are). Well-behaved profiles
// stay below it (a cusp at tolerance 1e-5 needs tens of groups a level; a
// cusp on a pixel corner at tolerance 1e-10, ~15000 in a 24-pixel row); a
// profile whose error estimate never converges (one that overflows, or grows
// outward without bound) would otherwise split every cell down to max_depth,
// 4^14 cells a pixel, and exhaust memory. The cap bounds a row's batches to
// ~10^6 cells (~120 MB for a Sersic with its Jacobian).
constexpr std::size_t kMaxGroupsPerLevel = std::size_t{1} << 16;

// Largest ln(upper bound / value) of an a-posteriori cell off the centre
// whose value is believed (see sees_its_light).
constexpr double kHiddenLight = 20.0;

// Bytes of one vector register at the CPU level this file is compiled for.
#if defined(__AVX512F__)
constexpr std::size_t kVectorBytes = 64;
#elif defined(__AVX__)
constexpr std::size_t kVectorBytes = 32;
#else
constexpr std::size_t kVectorBytes = 16;
#endif

// Cell batches are padded to a multiple of this: the cells the vectorised batch loop handles per
// iteration, one vector of flags (see AdaptiveRenderer::Flag). A row's level holds ~50 cells on the
// survey's cutouts: padding to more than one iteration (32 cells, as for 16-bit flags in 64-byte
// vectors) evaluated a quarter more cells than there were.
template <class Flag>
constexpr std::size_t kBatchPadding = kVectorBytes / sizeof(Flag);

// One level of cells awaiting evaluation: groups of four siblings, stored
// structure-of-arrays so that the evaluation loop vectorises.
template <class Flag>
struct CellBatch {
  // per group (parent)
  UninitializedVector<int> root;              // pixel (column) the group belongs to
  UninitializedVector<double> parent_value;   // parent's own estimate
  UninitializedVector<double> budget;         // absolute error budget of the parent
  UninitializedVector<double> parent_change;  // |parent's children sum - parent's parent|, or -1
  // per cell (4 per group; the evaluation arrays are padded, see kBatchPadding<Flag>). Not zeroed when
  // they grow: every element is written before it is read.
  UninitializedVector<double> u, v, wa, wb;
  // 1 where the cell contains the centre; the flag type sets how many cells
  // the batch loop handles per iteration (see AdaptiveRenderer::Flag).
  UninitializedVector<Flag> plain;
  UninitializedVector<double> value, rel_error, log_upper;
  UninitializedVector<double> jac;            // num_params x padded cells

  std::size_t groups() const { return count; }
  std::size_t cells() const { return 4 * count; }
  void clear() { count = 0; }

  // Append a group of four cells. The vectors only ever grow, and are
  // written by index: cheaper than push_back in this hot loop.
  void add(int root_column, double parent, double parent_budget, double change,
           const double (&cu)[4], const double (&cv)[4]) {
    if (root.size() <= count) {
      const std::size_t grown = 2 * count + 16;
      for (auto* vec : {&parent_value, &budget, &parent_change}) vec->resize(grown);
      root.resize(grown);
      u.resize(4 * grown);
      v.resize(4 * grown);
    }
    root[count] = root_column;
    parent_value[count] = parent;
    budget[count] = parent_budget;
    parent_change[count] = change;
    for (int c = 0; c < 4; ++c) {
      u[4 * count + c] = cu[c];
      v[4 * count + c] = cv[c];
    }
    ++count;
  }

 private:
  std::size_t count = 0;
};

// A pixel to refine and its absolute error budget (negative: not yet known).
struct PendingPixel {
  int column;
  double budget;
};

// Per-thread work space, reused from row to row.
template <class Flag>
struct RowScratch {
  std::vector<PendingPixel> pending, retry;
  std::vector<double> budget_used;  // per column: budget of the last refinement
  // Per column: 1 where the pixel needs refinement (see AdaptiveRenderer::Flag).
  std::vector<Flag> flags;
  std::vector<double> sum;       // per column: accepted integral of a refined pixel
  std::vector<double> jac_sum;   // num_params x columns
  CellBatch<Flag> current, next;
};

template <class Profile, bool kJacobian>
class AdaptiveRenderer {
  // Per-pixel flags. The narrowest type in a vector loop sets how many pixels
  // it handles per iteration: 16-bit flags make it four vectors of doubles
  // wide, 32-bit ones two. Measured (bench/dispatch.py): the image alone runs
  // fastest four wide (many independent dependency chains); with the
  // Jacobian, whose many live values spill out of the registers at four, two
  // wide is ~25% faster at the baseline level (16 SSE registers) and as fast
  // with AVX2.
  using Flag = std::conditional_t<kJacobian, std::int32_t, std::int16_t>;
  using Scratch = RowScratch<Flag>;
  using Batch = CellBatch<Flag>;

 public:
  AdaptiveRenderer(const PixelGrid& grid, const Ellipse& ellipse, const Profile& profile,
                   const RenderOptions& opt)
      : grid_(grid), geo_(grid, ellipse), prof_(profile), opt_(opt),
        np_(kGeometricParams + profile.num_params()) {
    // The faint floor, raised so that tolerance x floor is at least the
    // absolute tolerance: every budget below is then
    // max(tolerance x |value|, tolerance x faint floor, absolute tolerance).
    floor_ = std::max(opt.faint_fraction * std::exp(profile.log_peak()) * geo_.area,
                      opt.absolute_tolerance / opt.tolerance);
    // To a noise-set tolerance, the pixels beyond the radius whose whole outer light fits one
    // pixel's budget are left at 0 (dark_tail.hpp); at the default (relative) accuracy none are.
    if (opt.absolute_tolerance > 0.0) dark_radius_ = dark_tail_radius(profile, geo_.q, opt.tolerance * floor_, grid_reach());
    sub_pixel_ = profile.size() < kSubPixelProfile * smallest_pixel_step();
  }

  void render(double* image, double* jac) const {
    const int ny = grid_.ny;
    const int nx = grid_.nx;
    const int threads = team_size(opt_.threads,
                                  static_cast<std::size_t>(nx) * static_cast<std::size_t>(ny),
                                  kMinRenderPixelsPerThread);
    // Tasks of two rows; per-thread scratch indexed by the pool's slot.
    constexpr int kRowsPerTask = 2;
    std::vector<Scratch> scratch(static_cast<std::size_t>(threads));
    parallel_for(static_cast<std::size_t>((ny + kRowsPerTask - 1) / kRowsPerTask), threads,
                 [&](std::size_t task, int slot) {
                   Scratch& s = scratch[static_cast<std::size_t>(slot)];
                   s.flags.resize(static_cast<std::size_t>(nx));
                   s.sum.resize(static_cast<std::size_t>(nx));
                   s.budget_used.resize(static_cast<std::size_t>(nx));
                   if (kJacobian) s.jac_sum.resize(static_cast<std::size_t>(nx) * np_);
                   const int first = static_cast<int>(task) * kRowsPerTask;
                   for (int i = first; i < std::min(ny, first + kRowsPerTask); ++i)
                     render_row(i, image, jac, s);
                 });
  }

 private:
  bool contains_center(double u, double v, double h) const {
    return std::abs(u - geo_.center_u) <= 0.5 * h && std::abs(v - geo_.center_v) <= 0.5 * h;
  }

  // Level 0 of one row: one corrected-midpoint evaluation of pixel j (value, Jacobian columns npix
  // apart) and its flag (1: to refine). Everything by value: the compiler cannot prove that the
  // output arrays do not alias the renderer's members, which would keep the loops from vectorising.
  struct Level0Row {
    Profile prof;
    EllipseGeometry geo;
    double wa_row, wb_row, v, cu, cv, tol, floor, log_negligible;
    double* img_row;
    double* jac_row;
    std::ptrdiff_t npix;
    Flag* flags;

    POLYCHROME_INLINE void evaluate(int j) const {
      const double u = j + 0.5;
      const double wa = wa_row + geo.APaa * u;
      const double wb = wb_row + geo.APba * u;
      const CellValue c = evaluate_cell<Profile, kJacobian>(geo, prof, wa, wb, 1.0, false,
                                                            kJacobian ? jac_row + j : nullptr, npix);
      img_row[j] = c.value;
      const double mag = std::abs(c.value);
      const double allowed = tol * (mag > floor ? mag : floor);
      // An unknown error (infinite) never passes the first test, not even
      // for a value of 0 (0 * inf is NaN): a narrow profile can miss the
      // pixel's centre and still light the pixel.
      const bool smooth = (c.rel_error * mag <= allowed) | (c.log_upper <= log_negligible);
      // bitwise, not logical, operators: no branches in the vector loop
      const bool center = (std::abs(u - cu) <= 0.5) & (std::abs(v - cv) <= 0.5);
      flags[j] = static_cast<Flag>((!smooth) | center);
    }
  };

  void render_row(int i, double* image, double* jac, Scratch& s) const {
    const int nx = grid_.nx;
    const std::ptrdiff_t npix = static_cast<std::ptrdiff_t>(nx) * grid_.ny;
    const std::ptrdiff_t row = static_cast<std::ptrdiff_t>(i) * nx;
    const double v = i + 0.5;
    const double tol = opt_.tolerance;
    const double floor = floor_;
    const double log_negligible = std::log(tol * floor_);
    double* img_row = image + row;
    double* jac_row = kJacobian ? jac + row : nullptr;
    Flag* flags = s.flags.data();
    // Local copies (see Level0Row).
    const Profile prof = prof_;
    const EllipseGeometry geo = geo_;
    const double wa_row = geo.w0a + geo.APab * v;
    const double wb_row = geo.w0b + geo.APbb * v;
    const double cu = geo.center_u, cv = geo.center_v;

    // Level 0: every pixel, one corrected-midpoint evaluation; for a compact profile only the columns
    // [lit_begin, lit_end) that may reach inside its edge (the others hold no light: 0, as their
    // evaluation would give).
    int lit_begin = 0, lit_end = nx;
    double lit_radius = dark_radius_;
    if constexpr (HasEdgePixelIntegral<Profile>::value) lit_radius = std::min(lit_radius, prof_.edge_radius());
    const bool has_dark = std::isfinite(lit_radius);
    if (has_dark) lit_columns(wa_row, wb_row, lit_radius, lit_begin, lit_end);
    const Level0Row row0{prof, geo, wa_row, wb_row, v, cu, cv, tol, floor, log_negligible,
                         img_row, jac_row, npix, flags};
    // Whole vectors only: the simd loop's scalar remainder cost ~10 vector pixels a pixel (perf: ~40%
    // of this function with nx % 16 = 4..15 left over, and rows whose lit run is shorter than a
    // vector were all scalar), so the last block overlaps the one before it and evaluates some
    // pixels twice, to the same bits (the same vector code), and a lit run shorter than a vector
    // is widened into the dark columns, which are zeroed afterwards. A row narrower than one
    // vector takes the plain loop.
    constexpr int kWidth = static_cast<int>(kBatchPadding<Flag>);
    if (lit_end > lit_begin) {
      if (nx >= kWidth) {
        const int run_end = std::max(lit_end, std::min(lit_begin + kWidth, nx));
        const int run_begin = std::min(lit_begin, run_end - kWidth);
        for (int from = run_begin; from < run_end; from += kWidth) {
          const int base = std::min(from, run_end - kWidth);
#pragma omp simd
          for (int k = 0; k < kWidth; ++k) row0.evaluate(base + k);
        }
      } else {
#pragma omp simd
        for (int j = lit_begin; j < lit_end; ++j) row0.evaluate(j);
      }
    }
    if (has_dark) {
      // Plane by plane: each a contiguous run (pixel by pixel, the Jacobian's planes npix apart).
      const auto dark = [&](int from, int to) {
        std::fill(img_row + from, img_row + to, 0.0);
        std::fill(flags + from, flags + to, Flag{0});
        if constexpr (kJacobian)
          for (int p = 0; p < np_; ++p) std::fill(jac_row + p * npix + from, jac_row + p * npix + to, 0.0);
      };
      dark(0, lit_begin);
      dark(lit_end, nx);
    }
    if constexpr (Profile::kHasEnclosedLight) integrate_center_pixels(v, img_row, jac_row, npix, flags);
    if constexpr (HasEdgePixelIntegral<Profile>::value) integrate_edge_pixels(v, img_row, jac_row, npix, flags);
    if (std::find(flags, flags + nx, 1) == flags + nx) return;

    // Refine the flagged pixels. The error budget of a pixel is set from
    // the sum of its first-level children; where that sum turns out to be
    // far from the pixel's final value (a cusp makes the first levels of the
    // centre pixel wildly off), the pixel is refined again with the budget
    // set from its value.
    s.pending.clear();
    for (int j = 0; j < nx; ++j)
      if (flags[j] != 0) s.pending.push_back({j, -1.0});
    refine_pixels(v, img_row, s);
    s.retry.clear();
    for (const PendingPixel& p : s.pending) {
      const double needed = opt_.tolerance * std::max(std::abs(s.sum[p.column]), floor_);
      if (needed < kBudgetRetryFactor * s.budget_used[p.column]) s.retry.push_back({p.column, needed});
    }
    if (!s.retry.empty()) {
      std::swap(s.pending, s.retry);
      refine_pixels(v, img_row, s);
      std::swap(s.pending, s.retry);
    }

    for (int j = 0; j < nx; ++j) {
      if (flags[j] == 0) continue;
      img_row[j] = s.sum[j];
      if (kJacobian)
        for (int p = 0; p < np_; ++p) jac_row[p * npix + j] = s.jac_sum[j * np_ + p];
    }
  }

  // The pixel(s) of this row holding the profile's centre (several when the
  // centre lies on a pixel edge), integrated exactly in polar form: no
  // subdivision ever has to chase the cusp there. So are the flagged pixels
  // that pass within kPolarNeighbourReach of their diagonal (in w) of the
  // centre of a steep cusp (|d ln I / d ln r| >= kSteepCusp at that distance or
  // kCuspProbe of the profile's size, the nearer: the profile's cusp, not its
  // wing; Sersic n >~ 2.2): next to a cusp the subdivision's cells must shrink to about
  // their distance from it before the Taylor estimate holds, and a steep cusp
  // converges slowly even then. Measured on the survey's recorded renders
  // (render + Jacobian, calls1): such pixels took ~900 cells each on average,
  // ~250 where the slope is below kSteepCusp and ~30-90 between 0.1 and 0.3
  // diagonals; the polar rule costs about as much as ~470 cells. Not yet
  // right for Re well below a pixel (the 3-band survey's coarse bands): there
  // the neighbours' subdivision was cheap and their polar form costs more.
  static constexpr double kPolarNeighbourReach = 0.1;
  static constexpr double kSteepCusp = 0.3;
  static constexpr double kCuspProbe = 0.02;
  void integrate_center_pixels(double v, double* img_row, double* jac_row, std::ptrdiff_t npix,
                               Flag* flags) const {
    const double reach = kPolarNeighbourReach * pixel_diagonal();
    // A pixel within `reach` (in w) of the centre lies within reach / (the smallest w-length of a
    // pixel step) pixels of it in each pixel coordinate; only the centre pixel's 8 neighbours are
    // taken (at q ~ 0.03, reach spans several pixels along the major axis: recorded survey renders
    // at q = 0.03 took up to twice as long with those pixels in polar form).
    const double span = std::min(0.5 + reach / smallest_pixel_step(), 1.5);
    if (!(std::abs(v - geo_.center_v) <= span)) return;
    const int nx = grid_.nx;
    // Clamped to the row as doubles before the casts: the centre may lie
    // far outside the int range.
    const double lo = std::floor(geo_.center_u - span), hi = std::floor(geo_.center_u + span);
    if (!(hi >= 0.0 && lo <= nx - 1.0)) return;
    const int first = static_cast<int>(std::max(lo, 0.0));
    const int last = static_cast<int>(std::min(hi, nx - 1.0));
    const double v0 = v - 0.5;
    for (int j = first; j <= last; ++j) {
      if (flags[j] == 0) continue;
      if (!contains_center(j + 0.5, v, 1.0)) {
        double nearest, farthest;
        pixel_extent(j, v0, nearest, farthest);
        if (!(nearest < reach && steep_at(std::min(nearest, kCuspProbe * prof_.size())))) continue;
      }
      if (!enclosed_light_applies(prof_, corner_reach(j, v0))) continue;  // left flagged: subdivided
      img_row[j] = integrate_cell_polar(geo_, prof_, j, v0, 1.0, kJacobian ? jac_row + j : nullptr, npix);
      flags[j] = 0;
    }
  }

  // The budget (flux) of the first split of the flagged pixel `root` of the row at v whose children
  // sum to `sum`. Their sum sets it, but next to a profile much smaller than a pixel (size below
  // kSubPixelProfile of the shortest pixel step, in w) their four midpoints can all miss the light
  // (recorded survey render calls3 #710: Re 0.2 px, q 0.25, the centre's neighbour holds 4.8e21 and
  // its children read 1.4e4), and a budget from them is ~1e5 times too strict: that one pixel took
  // 96 ms at depth ~13. There the centre pixel's 8 neighbours take the budget of the finer
  // estimate of the same kind, the midpoint rule on kBudgetSamples^2 cells (#710: 3.5e20 on 4 x 4),
  // when it is the larger; one too large is caught by the retry from the refined sum, as a wrong
  // children's sum is. Measured and not kept: the polar rule's value (integrate_cell_polar) as that
  // estimate costs ~35 us a pixel, and the recorded 3-band renders took 9% longer in all with it on
  // every neighbour (their upper bounds, 1e14-1e60 times the sum, do not tell where it is needed).
  // Neighbours in pixels, not within a w-diagonal: at q = 0.03 that is a band ~50 pixels long.
  static constexpr double kSubPixelProfile = 0.5;
  static constexpr int kBudgetSamples = 8;
  double first_budget(double sum, int root, double v) const {
    const double budget = opt_.tolerance * std::max(std::abs(sum), floor_);
    const double u = root + 0.5;
    if (!sub_pixel_ || contains_center(u, v, 1.0) || !contains_center(u, v, 3.0))
      return budget;
    constexpr double h = 1.0 / kBudgetSamples;
    double estimate = 0.0;
    for (int a = 0; a < kBudgetSamples; ++a) {
      for (int c = 0; c < kBudgetSamples; ++c) {
        double wa, wb;
        w_at(root + (c + 0.5) * h, v - 0.5 + (a + 0.5) * h, wa, wb);
        estimate += evaluate_cell<Profile, false>(geo_, prof_, wa, wb, h, true, nullptr, 0).value;
      }
    }
    return std::max(budget, opt_.tolerance * std::abs(estimate));
  }

  // Whether |d ln I / d ln r| >= kSteepCusp at elliptical radius r (arcsec); at r = 0, true.
  bool steep_at(double r) const {
    if (!(r > 0.0)) return true;
    LogDerivatives d{};
    prof_.eval(Radius{r * r, r, 1.0 / r, std::log(r)}, d);
    return std::abs(d.L1) * r >= kSteepCusp;
  }

  // Length (in w) of a pixel's diagonal, the longer of the two.
  double pixel_diagonal() const { return std::sqrt(geo_.Gaa_uv + geo_.Gbb_uv + 2.0 * std::abs(geo_.Gab_uv)); }

  // Smallest length (in w) of a unit step in pixel coordinates: the square root of the smaller
  // eigenvalue of the steps' Gram matrix.
  double smallest_pixel_step() const {
    const double mean = 0.5 * (geo_.Gaa_uv + geo_.Gbb_uv);
    const double half_gap = std::hypot(0.5 * (geo_.Gaa_uv - geo_.Gbb_uv), geo_.Gab_uv);
    return std::sqrt(std::max(mean - half_gap, 0.0));
  }

  // The nearest and farthest distances (in w) from the centre of the boundary of the pixel with
  // lower-left corner (j, v0): its sides' nearest points and its corners.
  void pixel_extent(int j, double v0, double& nearest, double& farthest) const {
    double wa[4], wb[4];
    const int cu[4] = {0, 1, 1, 0}, cv[4] = {0, 0, 1, 1};
    for (int c = 0; c < 4; ++c) w_at(j + cu[c], v0 + cv[c], wa[c], wb[c]);
    nearest = INFINITY;
    farthest = 0.0;
    for (int c = 0; c < 4; ++c) {
      const int c1 = (c + 1) & 3;
      const double da = wa[c1] - wa[c], db = wb[c1] - wb[c];
      const double len2 = da * da + db * db;
      const double t = len2 > 0.0 ? std::clamp(-(wa[c] * da + wb[c] * db) / len2, 0.0, 1.0) : 0.0;
      nearest = std::min(nearest, std::hypot(wa[c] + t * da, wb[c] + t * db));
      farthest = std::max(farthest, std::hypot(wa[c], wb[c]));
    }
  }

  // The flagged pixels of this row near a compact profile's edge, away from its centre, integrated
  // exactly (edge_pixel_quadrature.hpp): subdivision would chase the edge's branch point down to
  // cells of ~1e-4 pixel. A pixel qualifies when its nearest point lies at least its diagonal
  // (in w) from the centre (the sides' 1 / |w|^2 stays smooth) and its farthest corner within
  // kEdgePixelReach diagonals of the edge or beyond it.
  static constexpr double kEdgePixelReach = 2.0;
  void integrate_edge_pixels(double v, double* img_row, double* jac_row, std::ptrdiff_t npix,
                             Flag* flags) const {
    const double Re = prof_.edge_radius();
    const double diag = pixel_diagonal();
    const double v0 = v - 0.5;
    for (int j = 0; j < grid_.nx; ++j) {
      if (flags[j] == 0 || contains_center(j + 0.5, v, 1.0)) continue;
      double nearest, farthest;
      pixel_extent(j, v0, nearest, farthest);
      if (!(nearest >= diag && farthest >= Re - kEdgePixelReach * diag)) continue;
      img_row[j] = integrate_edge_cell(geo_, prof_, j, v0, 1.0, kJacobian ? jac_row + j : nullptr, npix);
      flags[j] = 0;
    }
  }

  // The columns [begin, end) of the row whose w at u = 0 is (wa_row, wb_row) that may reach inside
  // `radius` (a compact profile's edge, or the dark-tail radius): every point of a pixel lies within
  // its half-diagonal delta (in w, the bound of evaluate_cell) of its centre, so a pixel whose centre
  // lies farther than radius + delta lies wholly outside. |w(u)|^2 = A u^2 + 2 B u + C is below
  // (radius + delta)^2 between its two roots; one column of margin on each side.
  void lit_columns(double wa_row, double wb_row, double radius, int& begin, int& end) const {
    const double reach = radius + std::sqrt(0.5 * geo_.tau);
    const double A = geo_.APaa * geo_.APaa + geo_.APba * geo_.APba;
    const double B = wa_row * geo_.APaa + wb_row * geo_.APba;
    const double C = wa_row * wa_row + wb_row * wb_row - reach * reach;
    const double disc = B * B - A * C;
    begin = end = 0;
    if (!(disc >= 0.0) || !(A > 0.0)) return;
    const double root = std::sqrt(disc);
    const double u_lo = (-B - root) / A, u_hi = (-B + root) / A;  // the pixel centres u = j + 1/2 between them
    const double first = std::max(std::floor(u_lo - 0.5) - 1.0, 0.0);
    const double last = std::min(std::ceil(u_hi - 0.5) + 2.0, static_cast<double>(grid_.nx));
    if (!(last > first)) return;
    begin = static_cast<int>(first);
    end = static_cast<int>(last);
  }

  // Largest elliptical radius (arcsec) of the grid's corners: the farthest any pixel reaches.
  double grid_reach() const {
    double reach = 0.0;
    for (int c = 0; c < 4; ++c) {
      double wa, wb;
      w_at((c & 1) * grid_.nx, (c >> 1) * grid_.ny, wa, wb);
      reach = std::max(reach, std::hypot(wa, wb));
    }
    return reach;
  }

  // Largest elliptical radius (arcsec) of the corners of the pixel with lower-left corner (j, v0).
  double corner_reach(int j, double v0) const {
    double reach = 0.0;
    for (int c = 0; c < 4; ++c) {
      double wa, wb;
      w_at(j + (c & 1), v0 + (c >> 1), wa, wb);
      reach = std::max(reach, std::hypot(wa, wb));
    }
    return reach;
  }

  // Adaptive refinement of the pixels s.pending of the row at v: results in
  // s.sum / s.jac_sum (and the budgets used in s.budget_used).
  void refine_pixels(double v, const double* img_row, Scratch& s) const {
    Batch& first = s.current;
    first.clear();
    for (const PendingPixel& p : s.pending) {
      const int j = p.column;
      const double u = j + 0.5;
      double parent = img_row[j];
      if (contains_center(u, v, 1.0)) {  // the centre pixel's own value by the plain midpoint
        double wa, wb;
        w_at(u, v, wa, wb);
        parent = evaluate_cell<Profile, false>(geo_, prof_, wa, wb, 1.0, true, nullptr, 0).value;
      }
      add_group(first, j, u, v, 1.0, parent, p.budget, -1.0);
      s.sum[j] = 0.0;
      if (kJacobian) std::fill(s.jac_sum.begin() + j * np_, s.jac_sum.begin() + (j + 1) * np_, 0.0);
    }
    // Level by level: evaluate a batch, accept what converged, split the rest into the other batch
    // (the two trade places by pointer: swapping the batches would move their dozen vectors).
    Batch* current = &s.current;
    Batch* next = &s.next;
    double h = 0.5;  // cell size at this level, pixels
    for (int depth = 0; current->groups() > 0; ++depth, h *= 0.5) {
      evaluate_batch(*current, h);
      next->clear();
      decide(*current, v, h, depth, s, *next);
      std::swap(current, next);
    }
  }

  void w_at(double u, double v, double& wa, double& wb) const {
    wa = geo_.w0a + geo_.APaa * u + geo_.APab * v;
    wb = geo_.w0b + geo_.APba * u + geo_.APbb * v;
  }

  // Queue the four children (size h/2) of the cell of size h centred at (u, v).
  void add_group(Batch& b, int root, double u, double v, double h, double parent_value,
                 double budget, double parent_change) const {
    const double d = 0.25 * h;
    const double cu[4] = {u - d, u + d, u - d, u + d};
    const double cv[4] = {v - d, v - d, v + d, v + d};
    b.add(root, parent_value, budget, parent_change, cu, cv);
  }

  // Evaluate every cell of the batch (cells of size h) in one vector loop.
  void evaluate_batch(Batch& b, double h) const {
    // Batches are small; padding them to whole SIMD vectors (with copies of
    // the last cell, results unused) keeps the loop out of its scalar tail.
    const std::size_t cells = b.cells();
    constexpr std::size_t pad = kBatchPadding<Flag>;
    const std::size_t n = (cells + pad - 1) / pad * pad;
    b.wa.resize(n);
    b.wb.resize(n);
    b.plain.resize(n);
    b.value.resize(n);
    b.rel_error.resize(n);
    b.log_upper.resize(n);
    if (kJacobian) b.jac.resize(n * np_);
    {
      // The cells, then the padding (copies of the last cell); a vector loop without the index's
      // clamp (perf: this loop, scalar, took ~a quarter of the function's samples).
      const double* u = b.u.data();
      const double* v = b.v.data();
      double* wa = b.wa.data();
      double* wb = b.wb.data();
      Flag* plain = b.plain.data();
#pragma omp simd
      for (std::size_t k = 0; k < cells; ++k) {
        w_at(u[k], v[k], wa[k], wb[k]);
        plain[k] = static_cast<Flag>(contains_center(u[k], v[k], h));
      }
      for (std::size_t k = cells; k < n; ++k) {
        wa[k] = wa[cells - 1];
        wb[k] = wb[cells - 1];
        plain[k] = plain[cells - 1];
      }
    }
    const Profile prof = prof_;
    const EllipseGeometry geo = geo_;
    const double* wa = b.wa.data();
    const double* wb = b.wb.data();
    const Flag* plain = b.plain.data();
    double* value = b.value.data();
    double* rel_error = b.rel_error.data();
    double* log_upper = b.log_upper.data();
    double* bjac = kJacobian ? b.jac.data() : nullptr;
    const std::ptrdiff_t stride = static_cast<std::ptrdiff_t>(n);
#pragma omp simd
    for (std::ptrdiff_t k = 0; k < stride; ++k) {
      const CellValue c = evaluate_cell<Profile, kJacobian>(
          geo, prof, wa[k], wb[k], h, plain[k] != 0, kJacobian ? bjac + k : nullptr, stride);
      value[k] = c.value;
      rel_error[k] = c.rel_error;
      log_upper[k] = c.log_upper;
    }
  }

  // Whether the midpoint value of an a-posteriori cell off the centre can
  // stand for the cell: its upper bound within kHiddenLight (in ln) of it.
  // Where a narrow profile (a small q x Re) crosses a cell between the
  // sample points of two successive levels, parent and children all read
  // ~0 and agree; the bound, which looks across the whole cell, does not.
  static bool sees_its_light(const Batch& b, std::size_t k) {
    return b.plain[k] != 0 || b.log_upper[k] <= fast_log(std::abs(b.value[k])) + kHiddenLight;
  }

  // Adds a cell's Jacobian column (its rows `stride` apart) to a pixel's sums. The fixed count of
  // a profile with all its parameters (every profile but a spline) lets the loop unroll.
  void add_cell_jacobian(const double* column, std::size_t stride, double* sums) const {
    constexpr int kAllParams = kGeometricParams + Profile::kMaxParams;
    if (np_ == kAllParams) {
      for (int p = 0; p < kAllParams; ++p) sums[p] += column[p * stride];
    } else {
      for (int p = 0; p < np_; ++p) sums[p] += column[p * stride];
    }
  }

  // Accept each evaluated cell (of size h, in the row at v) or queue its children in next.
  void decide(const Batch& b, double v, double h, int depth, Scratch& s, Batch& next) const {
    const std::size_t n = b.value.size();  // padded length: the Jacobian's stride
    const bool last_level = depth + 1 >= opt_.max_depth || b.groups() > kMaxGroupsPerLevel;
    for (std::size_t g = 0; g < b.groups(); ++g) {
      const int root = b.root[g];
      const std::size_t first = 4 * g;
      const double sum = b.value[first] + b.value[first + 1] + b.value[first + 2] + b.value[first + 3];
      double budget = b.budget[g];
      if (budget < 0.0) {  // a pixel's first split: budget from the children's sum
        budget = first_budget(sum, root, v);
        s.budget_used[root] = budget;
      }
      // A-posteriori cells: the change from the parent's estimate to its
      // children's sum, over two successive levels, gives the rate of
      // convergence and from it the error left in the sum (geometric tail).
      // One small change alone is not trusted: near a cusp it can be a
      // coincidence of two equally wrong numbers, and near a steep cusp the
      // convergence is slow, so that the error left is several changes.
      // A cusp of the profile bounds how fast this can converge: the
      // estimate never assumes a ratio below kSlowestCuspRatio between
      // successive changes, nor a change smaller than that ratio times the
      // previous one (a small change right after a large one is luck).
      const double change = std::abs(sum - b.parent_value[g]);
      const double previous = b.parent_change[g];
      bool converged = false;
      if (previous > 0.0 && change < previous) {
        const double ratio = std::max(change / previous, kSlowestCuspRatio);
        const double expected = std::max(change, kSlowestCuspRatio * previous);
        const double remaining = expected * ratio / (1.0 - ratio);
        converged = change <= budget && remaining <= kPosterioriShare * budget;
      }
      const double share = 0.25 * budget;
      double log_share = 1.0;  // ln(share), computed only when a cell needs it
      bool have_log_share = false;
      for (std::size_t k = first; k < first + 4; ++k) {
        const bool a_posteriori = b.plain[k] != 0 || b.rel_error[k] >= kUnknownError;
        // A non-finite value (the profile overflowed) cannot be refined away.
        bool accept = last_level || !std::isfinite(b.value[k]) ||
                      (a_posteriori ? converged && sees_its_light(b, k)
                                    : b.rel_error[k] * std::abs(b.value[k]) <= share);
        if (!accept) {  // is the whole cell negligible?
          if (!have_log_share) {
            log_share = fast_log(share);
            have_log_share = true;
          }
          accept = b.log_upper[k] <= log_share;
        }
        if (accept) {
          s.sum[root] += b.value[k];
          if constexpr (kJacobian) add_cell_jacobian(b.jac.data() + k, n, s.jac_sum.data() + root * np_);
        } else {
          // Near a cusp the error shrinks slowly under subdivision: give
          // those cells a larger share of the budget than smooth ones. So too
          // the cells an edge or a sharp truncation crosses (unresolved: NaN
          // error): a curve crosses about two of a cell's four children, so
          // that half the budget each keeps every level's share of the
          // pixel's budget the same instead of halving it level by level.
          const bool unresolved = std::isnan(b.rel_error[k]);
          const double child_budget = (a_posteriori | unresolved) ? 0.5 * budget : share;
          add_group(next, root, b.u[k], b.v[k], h, b.value[k], child_budget, change);
        }
      }
    }
  }

  const PixelGrid grid_;
  const EllipseGeometry geo_;
  const Profile& prof_;
  const RenderOptions opt_;
  const int np_;
  double floor_ = 0.0;
  double dark_radius_ = INFINITY;  // see dark_tail.hpp: pixels wholly beyond it are left at 0
  bool sub_pixel_ = false;        // see first_budget
};

}  // namespace detail

/// Render `profile` on `grid` with the given ellipse geometry into image
/// (ny*nx, row-major, flux per pixel) and, when jac is not null, its Jacobian
/// (num_params x ny x nx; parameter order x, y, q, PA, then the profile's).
template <class Profile>
void render_profile(const PixelGrid& grid, const Ellipse& ellipse, const Profile& profile,
                    const RenderOptions& opt, double* image, double* jac) {
  if (jac) {
    detail::AdaptiveRenderer<Profile, true>(grid, ellipse, profile, opt).render(image, jac);
  } else {
    detail::AdaptiveRenderer<Profile, false>(grid, ellipse, profile, opt).render(image, nullptr);
  }
}

}  // namespace POLYCHROME_KERNEL_NAMESPACE
}  // namespace polychrome
