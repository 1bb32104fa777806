// Elliptical geometry shared by every radial profile.
#pragma once

#include <cmath>

#include "polychrome/pixel_grid.hpp"

namespace polychrome {

/// Centre (arcsec on the plane), axis ratio q = b/a and position angle PA
/// (radians, counter-clockwise from +x to the major axis).
struct Ellipse {
  double x = 0.0;
  double y = 0.0;
  double q = 1.0;
  double pa = 0.0;
};

/// Precomputed affine map from pixel coordinates to "circularised"
/// coordinates w, in which the elliptical radius is |w|:
///   w = (a, b / q),  (a, b) = plane offset from the centre rotated by -PA,
///   w(u, v) = w0 + AP @ (u, v)  for continuous pixel coordinates (u, v).
/// Also holds the per-pixel second-moment tensor G = AP AP^T (w-space metric
/// of a unit pixel) used by the Laplacian-corrected quadrature, and the pixel
/// coordinates of the centre.
struct EllipseGeometry {
  EllipseGeometry(const PixelGrid& grid, const Ellipse& e);

  double q, inv_q, cos_pa, sin_pa;
  double w0a, w0b;            // w at pixel coordinate (0, 0)
  double APaa, APab, APba, APbb;  // AP matrix [row][col]
  double Gaa, Gab, Gbb;       // AP AP^T for a unit pixel
  double tau;                 // Gaa + Gbb
  // Gram matrix of the w-steps of one pixel in u and in v: |e_u|^2, |e_v|^2, e_u.e_v
  double Gaa_uv, Gbb_uv, Gab_uv;
  double area;                // arcsec^2 per pixel
  double center_u, center_v;  // centre in continuous pixel coordinates
  // dw/dx_center and dw/dy_center (constant)
  double dw_dxc_a, dw_dxc_b, dw_dyc_a, dw_dyc_b;
};

inline EllipseGeometry::EllipseGeometry(const PixelGrid& g, const Ellipse& e)
    : q(e.q), inv_q(1.0 / e.q), cos_pa(std::cos(e.pa)), sin_pa(std::sin(e.pa)) {
  // A = diag(1, 1/q) R(-PA): rows (cos, sin) and (-sin, cos) / q
  const double Aaa = cos_pa, Aab = sin_pa;
  const double Aba = -sin_pa * inv_q, Abb = cos_pa * inv_q;
  const double dx = g.origin_x - e.x, dy = g.origin_y - e.y;
  w0a = Aaa * dx + Aab * dy;
  w0b = Aba * dx + Abb * dy;
  APaa = Aaa * g.P[0][0] + Aab * g.P[1][0];
  APab = Aaa * g.P[0][1] + Aab * g.P[1][1];
  APba = Aba * g.P[0][0] + Abb * g.P[1][0];
  APbb = Aba * g.P[0][1] + Abb * g.P[1][1];
  Gaa = APaa * APaa + APab * APab;
  Gab = APaa * APba + APab * APbb;
  Gbb = APba * APba + APbb * APbb;
  tau = Gaa + Gbb;
  Gaa_uv = APaa * APaa + APba * APba;
  Gbb_uv = APab * APab + APbb * APbb;
  Gab_uv = APaa * APab + APba * APbb;
  area = g.area();
  // centre in pixel coordinates: P^-1 (c - origin)
  const double det = g.P[0][0] * g.P[1][1] - g.P[0][1] * g.P[1][0];
  const double cx = e.x - g.origin_x, cy = e.y - g.origin_y;
  center_u = (g.P[1][1] * cx - g.P[0][1] * cy) / det;
  center_v = (-g.P[1][0] * cx + g.P[0][0] * cy) / det;
  dw_dxc_a = -Aaa;
  dw_dxc_b = -Aba;
  dw_dyc_a = -Aab;
  dw_dyc_b = -Abb;
}

}  // namespace polychrome
