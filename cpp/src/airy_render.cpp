// Pixel integrals of the Airy pattern: tensor Gauss-Legendre on each pixel's
// parallelogram, the order chosen from the pattern's band limit. The points of a
// row of pixels go through one vector loop (airy_function.hpp's 2 J1(x)/x, with
// std::sin/cos instead of fast_sincos where some point lies beyond its range).
#include "polychrome/airy_render.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "polychrome/airy_function.hpp"
#include "polychrome/profile.hpp"
#include "polychrome/profiles/airy.hpp"
#include "polychrome/special_functions.hpp"

namespace polychrome {

namespace {

constexpr int kMaxPoints = 24;
// Most cells per pixel side (the work per pixel is at most (kMaxCells kMaxPoints)^2 evaluations).
constexpr int kMaxCells = 8;

/// Gauss-Legendre nodes and weights on [0, 1], n points (Newton on P_n from
/// the Chebyshev-like first guesses; converged to rounding).
void gauss_legendre_unit(int n, std::vector<double>& nodes, std::vector<double>& weights) {
  gauss_legendre_rule(n, nodes, weights);
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    nodes[i] = 0.5 * (1.0 - nodes[i]);
    weights[i] *= 0.5;
  }
}

/// log of the n-point Gauss-Legendre error constant on a unit interval:
/// (n!)^4 / ((2n+1) ((2n)!)^3).
double log_gauss_legendre_constant(int n) {
  return 4.0 * std::lgamma(n + 1.0) - std::log(2.0 * n + 1.0) - 3.0 * std::lgamma(2.0 * n + 1.0);
}

}  // namespace

AiryQuadrature airy_quadrature(double h, double aRL, double tolerance) {
  // |d^{2n} I / ds^{2n}| <= (2 pi B)^{2n} peak along any line (Bernstein, B = 2 aRL); the
  // 2-D tensor rule's error is at most the sum of the two 1-D ones, per cell of side h/m.
  const double omega = 2.0 * AiryProfile::kPi * 2.0 * aRL;
  for (int cells = 1;; cells *= 2) {
    const double side = h / cells;
    for (int n = 2; n <= kMaxPoints; ++n) {
      const double log_error =
          std::log(2.0) + log_gauss_legendre_constant(n) + 2.0 * n * std::log(omega * side);
      if (log_error <= std::log(tolerance)) return {cells, n};
    }
    if (cells >= kMaxCells)
      throw std::invalid_argument(
          "aRL = " + std::to_string(aRL) + " 1/arcsec puts the Airy pattern's first dark ring (0.6098 / aRL = " +
          std::to_string(0.6098 / aRL) + " arcsec) below about 1/50 of a pixel (" + std::to_string(h) +
          " arcsec): too fine to integrate on these pixels; such a PSF is a point (a point model)");
  }
}

void render_airy(const PixelGrid& grid, double cx, double cy, double aRL, double log10_I0,
                 double tolerance, double* image, double* jac) {
  grid.validate();
  if (!std::isfinite(cx) || !std::isfinite(cy))
    throw std::invalid_argument("center must be finite (arcsec)");
  if (!(tolerance > 0.0 && tolerance < 1.0))
    throw std::invalid_argument("tolerance must be in (0, 1), got " + std::to_string(tolerance));
  const AiryProfile profile(aRL, log10_I0);
  const double side_x = std::hypot(grid.P[0][0], grid.P[1][0]);
  const double side_y = std::hypot(grid.P[0][1], grid.P[1][1]);
  const AiryQuadrature rule = airy_quadrature(std::max(side_x, side_y), aRL, tolerance);
  std::vector<double> nodes, weights;
  gauss_legendre_unit(rule.points, nodes, weights);
  const int m = rule.cells, n = rule.points;
  const double area = grid.area();
  const double cell_weight = area / (static_cast<double>(m) * m);
  const std::size_t size = static_cast<std::size_t>(grid.nx) * grid.ny;
  // A pixel's points, in the order of its cells and rows of nodes: offsets (u, v) in the pixel
  // and weights.
  const std::size_t per_pixel = static_cast<std::size_t>(m) * m * n * n;
  std::vector<double> du, dv, dw;
  for (int cy_index = 0; cy_index < m; ++cy_index)
    for (int cx_index = 0; cx_index < m; ++cx_index)
      for (int a = 0; a < n; ++a)
        for (int b = 0; b < n; ++b) {
          du.push_back((cx_index + nodes[b]) / m);
          dv.push_back((cy_index + nodes[a]) / m);
          dw.push_back(weights[a] * weights[b] * cell_weight);
        }
  // Whether some point lies beyond the vectorised amplitude's range (then the scalar one).
  double farthest = 0.0;
  for (int corner = 0; corner < 4; ++corner) {
    const double u = (corner & 1) ? grid.nx : 0.0, v = (corner & 2) ? grid.ny : 0.0;
    farthest = std::max(farthest, std::hypot(grid.origin_x + grid.P[0][0] * u + grid.P[0][1] * v - cx,
                                             grid.origin_y + grid.P[1][0] * u + grid.P[1][1] * v - cy));
  }
  const bool scalar = !(profile.wavenumber() * farthest < kAiryFastLimit);
  // One row of pixels at a time: the radii of all its points, then one vector loop over them.
  const std::size_t points = per_pixel * static_cast<std::size_t>(grid.nx);
  std::vector<double> radius(points), value(points), d_arl(points);
  for (int i = 0; i < grid.ny; ++i) {
    for (int j = 0; j < grid.nx; ++j) {
      double* r = radius.data() + static_cast<std::size_t>(j) * per_pixel;
      for (std::size_t k = 0; k < per_pixel; ++k) {
        const double u = j + du[k], v = i + dv[k];
        const double px = grid.origin_x + grid.P[0][0] * u + grid.P[0][1] * v - cx;
        const double py = grid.origin_y + grid.P[1][0] * u + grid.P[1][1] * v - cy;
        r[k] = std::sqrt(px * px + py * py);
      }
    }
    const double* r = radius.data();
    double* I = value.data();
    double* dI = d_arl.data();
    if (scalar) {
      for (std::size_t k = 0; k < points; ++k) {
        const AiryValue at = profile.eval_far(r[k]);
        I[k] = at.I;
        dI[k] = at.dI_daRL;
      }
    } else {
#pragma omp simd
      for (std::size_t k = 0; k < points; ++k) {
        const AiryValue at = profile.eval(r[k]);
        I[k] = at.I;
        dI[k] = at.dI_daRL;
      }
    }
    for (int j = 0; j < grid.nx; ++j) {
      const std::size_t first = static_cast<std::size_t>(j) * per_pixel;
      double sum = 0.0, sum_a = 0.0;
      for (std::size_t k = 0; k < per_pixel; ++k) {
        sum += dw[k] * I[first + k];
        sum_a += dw[k] * dI[first + k];
      }
      const std::size_t pixel = static_cast<std::size_t>(i) * grid.nx + j;
      image[pixel] = sum;
      if (jac != nullptr) {
        jac[pixel] = sum_a;
        jac[size + pixel] = kLn10 * sum;
      }
    }
  }
}

}  // namespace polychrome
