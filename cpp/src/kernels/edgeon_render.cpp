// The renderer of the edge-on disk (profiles/edgeon.hpp), compiled once per CPU level (see
// polychrome/cpu_kernels.hpp); render_kernel.cpp calls it through AnyProfile.
//
// Where the disk is resolved by the pixels (hs and rs at least a pixel), each row goes first
// through the fast path (edgeon_tensor.hpp): tensor 4x4 Gauss-Legendre per pixel, accepted where
// the 3x3 rule agrees within the pixel's budget, pixels whose light is below every budget 0. The
// pixels it leaves (the strip along the minor axis, rejected ones, every pixel of an unresolved
// disk) are integrated exactly as follows.
//
// The disk is a product g(x') h(y') in the rotated coordinates, and a pixel is a parallelogram
// there. Sliced along x', the pixel's integral is
//   I0 int g(x') [H(y_hi(x')) - H(y_lo(x'))] dx',   H(y) = hs tanh(y / hs),
// with y_lo, y_hi the ends of the pixel's chord at x' (piecewise linear between the corners' x').
// The sech^2 factor is integrated exactly (sech2_integrals.hpp), however thin the disk; the x'
// integral by Gauss-Kronrod (interval_refinement.hpp) on pieces split at the corners, at x' = 0 and
// +-40 rs around it (g's peak and its width), and where an edge of the pixel crosses the mid-plane
// and +-20 widths of the tanh step around it (hs / |the edge's slope|), each of these where the
// feature is narrower than the segment between corners: each piece is smooth on its own length, so its error estimate is sound and a few refinements reach the budget whatever hs
// and rs are (from 1e-12 to 1e12 pixels). The Jacobian comes from the same nodes: d/dx' and
// d/dy' of the brightness integrate to g' [H] and g [sech^2] (the centre columns), their moments
// x' g [sech^2] and g' [hs^2 kappa] to the PA column, d/dhs to g [lambda], d/drs to dg/drs [H].
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <vector>

#include "edgeon_tensor.hpp"
#include "kernels.hpp"
#include "polychrome/ellipse.hpp"
#include "polychrome/interval_refinement.hpp"
#include "polychrome/profile.hpp"
#include "polychrome/profiles/edgeon.hpp"
#include "polychrome/sech2_integrals.hpp"
#include "polychrome/thread_pool.hpp"
#include "polychrome/threads.hpp"

namespace polychrome::POLYCHROME_KERNEL_NAMESPACE {

namespace {

// Integrand components: value, then d/dx' and d/dy' of the brightness, x'-moment of d/dy',
// y'-moment of d/dx', d/dhs, d/drs (all without the factor 10^I0).
constexpr int kSums = 7;

// g = s K1(s) is below 1e-16 of its peak beyond 40 scale lengths; tanh(t) is within 1e-17 of +-1
// beyond 20 of its widths; nothing is left beyond these (exp underflows).
constexpr double kRadialReach = 40.0;
constexpr double kStepReach = 20.0;
constexpr double kRadialZero = 750.0;
constexpr double kVerticalZero = 375.0;
// A bound on the work per pixel (never reached in the tests: see interval_refinement.hpp).
constexpr std::size_t kMaxIntervals = 400;

// One straight edge of the pixel in (x', y'): y = y0 + slope (x - x0).
struct Line {
  double x0, y0, slope;
  double at(double x) const { return y0 + slope * (x - x0); }
};

class EdgeOnPixels {
 public:
  EdgeOnPixels(const PixelGrid& grid, const Ellipse& ellipse, const EdgeOnDiskProfile& disk,
               const RenderOptions& opt)
      : geo_(grid, Ellipse{ellipse.x, ellipse.y, 1.0, ellipse.pa}), disk_(disk), opt_(opt),
        hs_(disk.scale_height()), rs_(disk.scale_length()), amplitude_(std::exp(disk.log_peak())) {
    // the faint floor: faint_fraction of the brightest pixel's flux (whose chord across the disk
    // takes at most ~2 hs of sech^2 and ~pi rs of g), here without the amplitude
    const double side = std::sqrt(geo_.area);
    floor_ = opt.faint_fraction * std::min(side, 2.0 * hs_) * std::min(side, 3.14159265358979 * rs_);
    absolute_ = opt.absolute_tolerance * std::exp(-disk.log_peak());
  }

  /// The flux of pixel (row, column) and, with N = kSums, its 7 Jacobian entries (x, y, q, PA, hs,
  /// rs, I0) in jac.
  template <int N>
  double pixel(int row, int column, std::vector<QuadratureInterval<N>>& intervals, double* jac) const {
    std::array<double, 4> xs{}, ys{};
    const double us[4] = {0.0, 1.0, 1.0, 0.0}, vs[4] = {0.0, 0.0, 1.0, 1.0};
    for (int k = 0; k < 4; ++k) {
      const double u = column + us[k], v = row + vs[k];
      xs[k] = geo_.w0a + geo_.APaa * u + geo_.APab * v;
      ys[k] = geo_.w0b + geo_.APba * u + geo_.APbb * v;
    }
    if constexpr (N == kSums) std::fill(jac, jac + kGeometricParams + EdgeOnDiskProfile::kNumParams, 0.0);
    if (nearest(xs) > kRadialZero * rs_ || nearest(ys) > kVerticalZero * hs_) return 0.0;

    // the pixel's segments between its corners' x' (at most three), each with its two edges
    std::array<double, 4> sorted = xs;
    std::sort(sorted.begin(), sorted.end());
    std::array<Chord, 3> chords{};
    intervals.clear();
    const auto f = [&chords, this](int tag, double x, double* out) {
      integrand<N>(chords[static_cast<std::size_t>(tag)], x, out);
    };
    for (int k = 0; k + 1 < 4; ++k) {
      const double a = sorted[static_cast<std::size_t>(k)], b = sorted[static_cast<std::size_t>(k) + 1];
      if (!(b > a) || !chord_between(a, b, xs, ys, chords[static_cast<std::size_t>(k)])) continue;
      add_pieces(a, b, k, chords[static_cast<std::size_t>(k)], f, intervals);
    }
    const auto sums = refine_intervals<N>(
        intervals, f,
        [this](double total) { return std::max(opt_.tolerance * std::max(std::abs(total), floor_), absolute_); },
        kMaxIntervals);
    const double value = amplitude_ * sums[0];
    if constexpr (N == kSums) {
      const double dx = amplitude_ * sums[1], dy = amplitude_ * sums[2];
      jac[0] = dx * geo_.dw_dxc_a + dy * geo_.dw_dxc_b;
      jac[1] = dx * geo_.dw_dyc_a + dy * geo_.dw_dyc_b;
      jac[2] = 0.0;  // q: not a parameter of the disk
      // x' and y' turn with PA: dx'/dPA = y', dy'/dPA = -x'
      jac[3] = amplitude_ * (sums[3] - sums[4]);
      jac[4] = amplitude_ * sums[5];
      jac[5] = amplitude_ * sums[6];
      jac[6] = kLn10 * value;
    }
    return value;
  }

  /// The pixels' geometry in (x', y') and the budget's terms without the amplitude.
  const EllipseGeometry& geometry() const { return geo_; }
  double floor() const { return floor_; }
  double absolute() const { return absolute_; }

 private:
  // The pixel's chord at x' within one segment: its upper and lower edges.
  struct Chord {
    Line upper, lower;
  };

  // The smallest |coordinate| over the pixel (0 when the corners straddle 0).
  static double nearest(const std::array<double, 4>& c) {
    const double lo = *std::min_element(c.begin(), c.end()), hi = *std::max_element(c.begin(), c.end());
    return lo > 0.0 ? lo : (hi < 0.0 ? -hi : 0.0);
  }

  // The two edges spanning the segment (a, b) of x' between corners; false for a degenerate pixel.
  static bool chord_between(double a, double b, const std::array<double, 4>& xs, const std::array<double, 4>& ys,
                            Chord& chord) {
    const double middle = 0.5 * (a + b);
    Line found[2]{};
    int count = 0;
    for (std::size_t k = 0; k < 4 && count < 2; ++k) {
      const std::size_t next = (k + 1) % 4;
      if ((xs[k] - middle) * (xs[next] - middle) < 0.0)
        found[count++] = Line{xs[k], ys[k], (ys[next] - ys[k]) / (xs[next] - xs[k])};
    }
    if (count < 2) return false;
    const bool first_upper = found[0].at(middle) >= found[1].at(middle);
    chord = first_upper ? Chord{found[0], found[1]} : Chord{found[1], found[0]};
    return true;
  }

  // The segment [a, b] cut where the integrand has a narrow feature (see the file comment).
  template <int N, class F>
  void add_pieces(double a, double b, int tag, const Chord& chord, const F& f,
                  std::vector<QuadratureInterval<N>>& intervals) const {
    // A feature wider than the segment is resolved by the rule (and its refinement) as it is.
    const double length = b - a;
    std::array<double, 10> cuts{};
    std::size_t n = 0;
    cuts[n++] = 0.0;
    if (kRadialReach * rs_ < length) {
      cuts[n++] = -kRadialReach * rs_;
      cuts[n++] = kRadialReach * rs_;
    }
    for (const Line* line : {&chord.upper, &chord.lower}) {
      const double width = hs_ / std::abs(line->slope);  // of the tanh step along x' (inf: none)
      if (!(width < length)) continue;
      const double crossing = line->x0 - line->y0 / line->slope;
      cuts[n++] = crossing;
      if (kStepReach * width < length) {
        cuts[n++] = crossing - kStepReach * width;
        cuts[n++] = crossing + kStepReach * width;
      }
    }
    cuts[n++] = b;
    std::sort(cuts.begin(), cuts.begin() + static_cast<std::ptrdiff_t>(n));
    double from = a;
    for (std::size_t k = 0; k < n; ++k) {
      const double to = std::min(cuts[k], b);
      if (!(to > from)) continue;
      intervals.push_back(gauss_kronrod_interval<N>(from, to, tag, f));
      from = to;
    }
  }

  // The value's integrand at x' on a chord (without 10^I0).
  double value_integrand(const Chord& chord, double x) const {
    const double y_hi = chord.upper.at(x), y_lo = chord.lower.at(x);
    const double inv_hs = 1.0 / hs_;
    const double delta = std::max(y_hi - y_lo, 0.0) * inv_hs;
    return disk_.radial(x).g * (hs_ * tanh_bracket(y_lo * inv_hs, y_hi * inv_hs, delta));
  }

  // The integrand components at x' on a chord (without 10^I0; see kSums).
  template <int N>
  void integrand(const Chord& chord, double x, double* out) const {
    out[0] = value_integrand(chord, x);
    if constexpr (N > 1) {
      const double y_hi = chord.upper.at(x), y_lo = chord.lower.at(x);
      const double inv_hs = 1.0 / hs_;
      const double delta = std::max(y_hi - y_lo, 0.0) * inv_hs;
      const Sech2Brackets br = sech2_brackets(y_lo * inv_hs, y_hi * inv_hs, delta, (y_hi + y_lo) * inv_hs);
      const EdgeOnRadial r = disk_.radial(x);
      const double across = hs_ * br.tanh_diff;  // int sech^2(y / hs) dy over the chord, arcsec
      out[1] = r.dg_dx * across;
      out[2] = r.g * br.sech2_diff;
      out[3] = r.dg_dx * hs_ * hs_ * br.kappa_diff;
      out[4] = x * r.g * br.sech2_diff;
      out[5] = r.g * br.lambda_diff;
      out[6] = r.dg_drs * across;
    }
  }

  const EllipseGeometry geo_;
  const EdgeOnDiskProfile& disk_;
  const RenderOptions& opt_;
  const double hs_, rs_, amplitude_;
  double floor_ = 0.0, absolute_ = 0.0;
};

}  // namespace

void render_profile(const PixelGrid& grid, const Ellipse& ellipse, const EdgeOnDiskProfile& disk,
                    const RenderOptions& options, double* image, double* jac) {
  const EdgeOnPixels pixels(grid, ellipse, disk, options);
  const EdgeOnTensorRows fast(pixels.geometry(), disk, options, pixels.floor(), pixels.absolute());
  const bool use_fast = fast.usable();
  const int ny = grid.ny, nx = grid.nx;
  const std::size_t npix = static_cast<std::size_t>(nx) * static_cast<std::size_t>(ny);
  constexpr int kColumns = kGeometricParams + EdgeOnDiskProfile::kNumParams;
  const int threads = team_size(options.threads, npix, kMinRenderPixelsPerThread);
  struct Scratch {
    EdgeOnRowScratch rows;
    std::vector<EdgeOnPixelPath> path;
    std::vector<QuadratureInterval<kSums>> intervals;
  };
  std::vector<Scratch> scratch(static_cast<std::size_t>(threads));
  parallel_for(static_cast<std::size_t>(ny), threads, [&](std::size_t row, int slot) {
    Scratch& s = scratch[static_cast<std::size_t>(slot)];
    const std::size_t offset = row * static_cast<std::size_t>(nx);
    // The fast path's decisions rest on values alone: an image rendered with its Jacobian equals
    // the one rendered without, to rounding.
    if (use_fast) fast.row(static_cast<int>(row), nx, image + offset, jac, npix, offset, s.path, s.rows);
    // The exact path (the image alone is integrated with the Jacobian's sums too, for the same reason).
    double entries[kColumns];
    for (int j = 0; j < nx; ++j) {
      if (use_fast && s.path[static_cast<std::size_t>(j)] == EdgeOnPixelPath::kDone) continue;
      const std::size_t at = offset + static_cast<std::size_t>(j);
      image[at] = pixels.pixel<kSums>(static_cast<int>(row), j, s.intervals, entries);
      if (jac)
        for (int p = 0; p < kColumns; ++p) jac[static_cast<std::size_t>(p) * npix + at] = entries[p];
    }
  });
}

}  // namespace polychrome::POLYCHROME_KERNEL_NAMESPACE
