// Adaptive pixel integration of a radial profile over a pixel grid, with the
// Jacobian of every pixel computed by the same quadrature.
//
// Pass 1 (vectorised, every pixel): one Laplacian-corrected midpoint
// evaluation. Its error is about 0.3 kappa^2 of the value (kappa = relative
// curvature correction), so a pixel is accepted when that is below the
// tolerance, or when it is fainter than the floor and the error is below
// tolerance * floor.
// Pass 2 (only the remaining pixels, typically a few near the centre): recursive
// 2x2 subdivision with an a-posteriori error estimate (parent rule versus the
// sum of its children); cells containing the centre use the plain midpoint,
// because a cusp there has no Taylor expansion.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "polychrome/cell_quadrature.hpp"
#include "polychrome/ellipse.hpp"
#include "polychrome/pixel_grid.hpp"
#include "polychrome/render_options.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace polychrome {

namespace detail {


template <class Profile, bool kJacobian>
class AdaptiveRenderer {
 public:
  AdaptiveRenderer(const PixelGrid& grid, const Ellipse& ellipse, const Profile& profile,
                   const RenderOptions& opt)
      : grid_(grid), geo_(grid, ellipse), prof_(profile), opt_(opt),
        np_(kGeometricParams + profile.num_params()) {
    floor_ = opt.faint_fraction * std::exp(profile.log_peak()) * geo_.area;
  }

  int num_params() const { return np_; }

  void render(double* image, double* jac) const {
    const int ny = grid_.ny;
    const int nx = grid_.nx;
    const int threads = opt_.threads > 0 ? opt_.threads : default_threads();
#pragma omp parallel num_threads(threads) if (threads > 1 && static_cast<long>(nx) * ny > 4096)
    {
      std::vector<char> flags(static_cast<std::size_t>(nx));
      std::vector<double> scratch(static_cast<std::size_t>(opt_.max_depth + 2) * 4 * np_ + np_);
#pragma omp for schedule(dynamic, 2)
      for (int i = 0; i < ny; ++i) render_row(i, image, jac, flags.data(), scratch.data());
    }
  }

 private:
  static int default_threads() {
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
  }

  bool contains_center(double u, double v, double h) const {
    return std::abs(u - geo_.center_u) <= 0.5 * h && std::abs(v - geo_.center_v) <= 0.5 * h;
  }

  void w_at(double u, double v, double& wa, double& wb) const {
    wa = geo_.w0a + geo_.APaa * u + geo_.APab * v;
    wb = geo_.w0b + geo_.APba * u + geo_.APbb * v;
  }

  void render_row(int i, double* image, double* jac, char* flags, double* scratch) const {
    const int nx = grid_.nx;
    const std::ptrdiff_t npix = static_cast<std::ptrdiff_t>(nx) * grid_.ny;
    const std::ptrdiff_t row = static_cast<std::ptrdiff_t>(i) * nx;
    const double v = i + 0.5;
    const double tol = opt_.tolerance;
    const double floor = floor_;
    double* img_row = image + row;
    double* jac_row = kJacobian ? jac + row : nullptr;
    // Local copies: the compiler cannot prove that the output arrays do not
    // alias the members, which would keep the loop from vectorising.
    const Profile prof = prof_;
    const EllipseGeometry geo = geo_;
    const double wa_row = geo.w0a + geo.APab * v;
    const double wb_row = geo.w0b + geo.APbb * v;
    const double cu = geo.center_u, cv = geo.center_v;
#pragma omp simd
    for (int j = 0; j < nx; ++j) {
      const double u = j + 0.5;
      const double wa = wa_row + geo.APaa * u;
      const double wb = wb_row + geo.APba * u;
      const CellValue c = evaluate_cell<Profile, kJacobian>(geo, prof, wa, wb, 1.0, false,
                                                            kJacobian ? jac_row + j : nullptr, npix);
      img_row[j] = c.value;
      const double mag = std::abs(c.value);
      const double allowed = tol * (mag > floor ? mag : floor);
      const bool smooth = c.rel_error * mag <= allowed;
      // bitwise, not logical, operators: no branches in the vector loop
      const bool center = (std::abs(u - cu) <= 0.5) & (std::abs(v - cv) <= 0.5);
      flags[j] = static_cast<char>((!smooth) | center);
    }
    for (int j = 0; j < nx; ++j) {
      if (!flags[j]) continue;
      const double u = j + 0.5;
      double* acc = scratch;  // first np_ entries accumulate the pixel's Jacobian
      if (kJacobian) std::fill(acc, acc + np_, 0.0);
      const bool center = contains_center(u, v, 1.0);
      double parent = img_row[j];
      if (center) {  // the centre pixel's own value by the plain midpoint rule
        double wa, wb;
        w_at(u, v, wa, wb);
        parent = evaluate_cell<Profile, false>(geo_, prof_, wa, wb, 1.0, true, nullptr, 0).value;
      }
      img_row[j] = refine(u, v, 1.0, parent, center, 0.0, 0, acc, scratch + np_);
      if (kJacobian)
        for (int p = 0; p < np_; ++p) jac_row[p * npix + j] = acc[p];
    }
  }

  // Integral over the cell of size h centred at (u, v), split 2x2. A child
  // away from the centre is accepted when its a-priori error estimate fits
  // its share of the budget; a child containing the centre (plain midpoint,
  // no a-priori estimate) when its parent's value agrees with the sum of the
  // children to within the budget. Others are refined further. `budget` is
  // absolute; at depth 0 it is set from the first-level sum. Jacobian
  // contributions of accepted cells are added to acc.
  double refine(double u, double v, double h, double parent_value, bool parent_plain,
                double budget, int depth, double* acc, double* scratch) const {
    const double hc = 0.5 * h;
    const double h2c = hc * hc;
    double* child_jac = scratch;  // 4 x np_ for this level
    double value[4], rel_error[4], cu[4], cv[4];
    bool plain[4];
    double sum = 0.0;
    for (int c = 0; c < 4; ++c) {
      cu[c] = u + ((c & 1) ? 0.25 : -0.25) * h;
      cv[c] = v + ((c & 2) ? 0.25 : -0.25) * h;
      plain[c] = contains_center(cu[c], cv[c], hc);
      double wa, wb;
      w_at(cu[c], cv[c], wa, wb);
      const CellValue cell = evaluate_cell<Profile, kJacobian>(
          geo_, prof_, wa, wb, h2c, plain[c], child_jac + c * np_, 1);
      value[c] = cell.value;
      rel_error[c] = cell.rel_error;
      sum += cell.value;
    }
    if (depth == 0) budget = opt_.tolerance * std::max(std::abs(sum), floor_);
    const bool converged = parent_plain && std::abs(sum - parent_value) <= budget;
    const bool last_level = depth + 1 >= opt_.max_depth;
    double total = 0.0;
    for (int c = 0; c < 4; ++c) {
      const bool accept = last_level || (plain[c] ? converged
                                                  : rel_error[c] * std::abs(value[c]) <= 0.25 * budget);
      if (accept) {
        total += value[c];
        if (kJacobian)
          for (int p = 0; p < np_; ++p) acc[p] += child_jac[c * np_ + p];
      } else {
        // A cusp converges slowly under subdivision: give the centre cell a
        // larger share of the budget than cells with a smooth profile.
        const double child_budget = plain[c] ? 0.5 * budget : 0.25 * budget;
        total += refine(cu[c], cv[c], hc, value[c], plain[c], child_budget, depth + 1, acc,
                        scratch + 4 * np_);
      }
    }
    return total;
  }

  const PixelGrid grid_;
  const EllipseGeometry geo_;
  const Profile& prof_;
  const RenderOptions opt_;
  const int np_;
  double floor_ = 0.0;
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

}  // namespace polychrome
