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
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "kernels.hpp"
#include "polychrome/cell_quadrature.hpp"
#include "polychrome/fast_math.hpp"
#include "polychrome/profile.hpp"
#include "polychrome/shaped_profile.hpp"
#include "polychrome/thread_pool.hpp"
#include "polychrome/threads.hpp"

namespace polychrome::POLYCHROME_KERNEL_NAMESPACE {

namespace {

// Gauss-Legendre 2-point nodes on a cell of size h: centre +- h / (2 sqrt 3).
constexpr double kGaussOffset = 0.28867513459481288225;
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
    parallel_for(static_cast<std::size_t>(ny), threads, [&](std::size_t row, int) {
      Scratch s(np_, ns_);
      const int i = static_cast<int>(row);
      for (int j = 0; j < nx; ++j) render_pixel(i, j, image, jac, s);
    });
  }

 private:
  struct Scratch {
    Scratch(int np, int ns) : point(np), dshape(std::max(ns, 1)), cell(np), sum(np) {}
    std::vector<double> point, dshape, cell, sum;
    std::vector<double> stack;  // the Jacobians of the cells awaiting refinement
  };

  // Add I and dI/dp at (u, v) times weight to value / out[np].
  void add_point(double u, double v, double weight, double& value, double* out, Scratch& s) const {
    const double wa = geo_.w0a + geo_.APaa * u + geo_.APab * v;
    const double wb = geo_.w0b + geo_.APba * u + geo_.APbb * v;
    double R, Ra, Rb;
    shape_.radius(wa, wb, R, Ra, Rb, s.dshape.data());
    const double R_eval = R > 0.0 ? R : 1e-300;
    const Radius rad{R_eval * R_eval, R_eval, 1.0 / R_eval, std::log(R_eval)};
    LogDerivatives d{};
    if (out == nullptr) {
      radial_.eval(rad, d);
      value += weight * std::exp(std::min(d.L, kMaxLogBrightness));
      return;
    }
    double dL[Radial::kMaxParams], dL1[Radial::kMaxParams], dL2[Radial::kMaxParams];
    radial_.eval_with_params(rad, d, dL, dL1, dL2);
    const double I = weight * std::exp(std::min(d.L, kMaxLogBrightness));
    value += I;
    const double IL1 = I * d.L1;
    // geometry through w: x, y, q, PA (as in cell_quadrature.hpp)
    const double dwa[kGeometricParams] = {geo_.dw_dxc_a, geo_.dw_dyc_a, 0.0, geo_.q * wb};
    const double dwb[kGeometricParams] = {geo_.dw_dxc_b, geo_.dw_dyc_b, -wb * geo_.inv_q, -wa * geo_.inv_q};
    for (int p = 0; p < kGeometricParams; ++p) out[p] += IL1 * (Ra * dwa[p] + Rb * dwb[p]);
    for (int k = 0; k < nr_; ++k) out[kGeometricParams + k] += I * dL[k];
    for (int k = 0; k < ns_; ++k) out[kGeometricParams + nr_ + k] += IL1 * s.dshape[static_cast<std::size_t>(k)];
  }

  // The 2x2 Gauss-Legendre value of the cell of size h centred at (u, v) (and its Jacobian in out).
  double cell(double u, double v, double h, double* out, Scratch& s) const {
    if (out) std::fill(out, out + np_, 0.0);
    const double weight = 0.25 * h * h * geo_.area;
    const double d = kGaussOffset * h;
    double value = 0.0;
    for (int a = -1; a <= 1; a += 2)
      for (int b = -1; b <= 1; b += 2) add_point(u + a * d, v + b * d, weight, value, out, s);
    return value;
  }

  // Whether the cell of size h at (u, v) lies within kBoundaryDerivativeReach of its half-diagonals
  // from the centre (its centre derivatives are then taken on its boundary).
  bool at_centre(double u, double v, double h) const {
    const double wa = geo_.w0a + geo_.APaa * u + geo_.APab * v;
    const double wb = geo_.w0b + geo_.APba * u + geo_.APbb * v;
    return std::hypot(wa, wb) < kBoundaryDerivativeReach * half_diagonal_ * h;
  }

  // d value / d (x, y) of the cell of size h at (u, v) as boundary integrals: moving the centre by
  // dc moves the profile by dc, so d/dc_x int_cell I = -contour integral of I dy, d/dc_y = +contour
  // integral of I dx (the divergence theorem; counter-clockwise in the plane). Next to a cusp the
  // cell integral of dI/dx converges slowly; I along the edges is bounded.
  void centre_derivatives(double u, double v, double h, double* out, Scratch& s) const {
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
        double value = 0.0;
        add_point(cu[e] + t * du, cv[e] + t * dv, 0.5 * kW[k], value, nullptr, s);
        along += value;
      }
      sx -= along * dy;
      sy += along * dx;
    }
    out[0] = orientation * sx;
    out[1] = orientation * sy;
  }

  // Must a cell of size h at (u, v) be split whatever its values say?
  bool unresolved_centre(double u, double v, double h) const {
    const double wa = geo_.w0a + geo_.APaa * u + geo_.APab * v;
    const double wb = geo_.w0b + geo_.APba * u + geo_.APbb * v;
    const double extent = half_diagonal_ * h;
    const double r = std::hypot(wa, wb);
    return (extent > kResolvedFraction * size_ && r - extent < kNearCentreSizes * size_) ||
           (extent > kCuspResolution * size_ && r < 2.0 * extent);
  }

  // Integrate the cell (u, v, h) whose own value is parent within budget: the value is added to
  // total, the Jacobian to s.sum. The children's Jacobians wait on s.stack (indexed, not pointed
  // to: the stack grows in the recursion).
  void refine(double u, double v, double h, double parent, double budget, int depth, double& total, Scratch& s,
              bool with_jac) const {
    const double q = 0.25 * h;
    const double cu[4] = {u - q, u + q, u - q, u + q};
    const double cv[4] = {v - q, v - q, v + q, v + q};
    double child[4];
    const std::size_t base = s.stack.size();
    if (with_jac) s.stack.resize(base + 4 * static_cast<std::size_t>(np_));
    double sum = 0.0;
    for (int c = 0; c < 4; ++c) {
      child[c] = cell(cu[c], cv[c], 0.5 * h, with_jac ? s.stack.data() + base + c * np_ : nullptr, s);
      sum += child[c];
    }
    const bool last = depth + 1 >= opt_.max_depth;
    const bool converged = std::abs(sum - parent) <= budget && !unresolved_centre(u, v, h);
    if (last || converged || !std::isfinite(sum)) {
      total += sum;
      if (with_jac)
        for (int c = 0; c < 4; ++c) {
          double* child_jac = s.stack.data() + base + c * np_;
          if (at_centre(cu[c], cv[c], 0.5 * h)) centre_derivatives(cu[c], cv[c], 0.5 * h, child_jac, s);
          for (int p = 0; p < np_; ++p) s.sum[static_cast<std::size_t>(p)] += child_jac[p];
        }
    } else {
      for (int c = 0; c < 4; ++c) refine(cu[c], cv[c], 0.5 * h, child[c], 0.25 * budget, depth + 1, total, s, with_jac);
    }
    if (with_jac) s.stack.resize(base);
  }

  void render_pixel(int i, int j, double* image, double* jac, Scratch& s) const {
    const bool with_jac = jac != nullptr;
    const double u = j + 0.5, v = i + 0.5;
    double first = cell(u, v, 1.0, with_jac ? s.cell.data() : nullptr, s);
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
    if (with_jac)
      for (int p = 0; p < np_; ++p) jac[static_cast<std::size_t>(p) * npix + at] = s.sum[static_cast<std::size_t>(p)];
  }

  const PixelGrid grid_;
  const EllipseGeometry geo_;
  const Radial& radial_;
  const Shape& shape_;
  const RenderOptions opt_;
  const int nr_, ns_, np_;
  double floor_ = 0.0, size_ = 0.0, half_diagonal_ = 0.0;
};

}  // namespace

void render_profile(const PixelGrid& grid, const Ellipse& ellipse, const ShapedProfile& profile,
                    const RenderOptions& options, double* image, double* jac) {
  std::visit(
      [&](const auto& radial, const auto& shape) {
        using Radial = std::decay_t<decltype(radial)>;
        using Shape = std::decay_t<decltype(shape)>;
        ShapedRenderer<Radial, Shape>(grid, ellipse, radial, shape, options).render(image, jac);
      },
      profile.radial, profile.isophote);
}

}  // namespace polychrome::POLYCHROME_KERNEL_NAMESPACE
