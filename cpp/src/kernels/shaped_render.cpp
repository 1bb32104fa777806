// The renderer of shaped profiles (see shaped_profile.hpp), compiled once per
// CPU level (see polychrome/cpu_kernels.hpp); render_kernel.cpp calls it.
//
// The pixels are integrated by level_quadrature.hpp's level-by-level adaptive 2x2 Gauss-Legendre
// cells; this file gives it the brightness I(R(w)) and its derivatives at a batch of points, in
// vectorised loops (fast_exp / fast_log).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "kernels.hpp"
#include "level_quadrature.hpp"
#include "polychrome/fast_math.hpp"
#include "polychrome/profile.hpp"
#include "polychrome/shaped_profile.hpp"

// An extra CPU level (AVX2, AVX-512: CMake defines POLYCHROME_BASE_KERNEL_NAMESPACE for them) compiles
// the plain radial profiles on a superellipse or Fourier isophote only, and hands warps and truncated
// profiles to the base level's renderer (the same code compiled for the baseline): those are rare,
// and their 64 of the 80 renderers were most of a clean build's time.
#ifdef POLYCHROME_BASE_KERNEL_NAMESPACE
namespace polychrome::POLYCHROME_BASE_KERNEL_NAMESPACE {
void render_profile(const PixelGrid& grid, const Ellipse& ellipse, const ShapedProfile& profile,
                    const RenderOptions& options, double* image, double* jac);
}  // namespace polychrome::POLYCHROME_BASE_KERNEL_NAMESPACE
#endif

namespace polychrome::POLYCHROME_KERNEL_NAMESPACE {

namespace {

using namespace level_quadrature;

template <class Radial>
struct IsTruncated : std::false_type {};
template <class P>
struct IsTruncated<TruncatedProfile<P>> : std::true_type {};

// Whether this level leaves a (radial profile, isophote) pair to the base level (see above).
template <class Radial, class Shape>
constexpr bool kBaseLevelOnly =
#ifdef POLYCHROME_BASE_KERNEL_NAMESPACE
    IsTruncated<Radial>::value || std::is_same_v<Shape, WarpIsophote>;
#else
    false;
#endif

// How far the shape's radius R may change across a cell, per unit of the cell's half-diagonal in w
// (a boxy superellipse's 1.4, a Fourier shape's or a warp's factor of a few): the margin by which a
// cell must resolve a truncation's width in R.
constexpr double kShapeReach = 3.0;
// ... and the fraction of that distance a cell's reach in R may be (the elliptical engine's
// Taylor-radius limit, cell_quadrature.hpp).
constexpr double kPoleResolution = 0.5;
// Profiles with at most this many parameters have their dL/dp rows stored by a loop of
// compile-time length (unrolled: the point loop still vectorises); a spline's run-time count is not.
constexpr int kMaxUnrolledRadialParams = 8;

// Per-thread work space, reused from row to row: the shared loops' and the shape's own.
struct RowScratch : LevelScratch {
  std::vector<double> point_I, point_IL1R;    // per point of a Jacobian batch: I, dI/d ln R
  std::vector<double> radial_dL;              // radial rows x points: dL/dp
  std::vector<double> R, lnR, Ra, Rb;         // per point of a batch: the shape's R, ln R, dR/dwa, dR/dwb
  std::vector<double> shape_work;             // the shape's own scratch (HasBatchedRadii)
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
class ShapedRenderer : public LevelQuadrature<ShapedRenderer<Radial, Shape>, RowScratch> {
  using Base = LevelQuadrature<ShapedRenderer<Radial, Shape>, RowScratch>;
  friend Base;
  using Base::geo_, Base::half_diagonal_, Base::w_at;

 public:
  ShapedRenderer(const PixelGrid& grid, const Ellipse& ellipse, const Radial& radial, const Shape& shape,
                 const RenderOptions& opt)
      : Base(grid, ellipse, opt, kGeometricParams + radial.num_params() + shape.num_params(), radial.log_peak(),
             radial.size()),
        radial_(radial), shape_(shape), nr_(radial.num_params()), ns_(shape.num_params()) {}

 private:
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

  const Radial& radial_;
  const Shape shape_;
  const int nr_, ns_;
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
        using Radial = std::decay_t<decltype(radial)>;
        using Shape = std::decay_t<decltype(shape)>;
        if constexpr (kBaseLevelOnly<Radial, Shape>) {
#ifdef POLYCHROME_BASE_KERNEL_NAMESPACE
          ::polychrome::POLYCHROME_BASE_KERNEL_NAMESPACE::render_profile(grid, ellipse, profile, options, image, jac);
#endif
        } else if constexpr (std::is_same_v<Shape, WarpIsophote>) {
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
