// The pixelated model: a grid of surface-brightness nodes on the sky, the
// brightness between them the bilinear interpolant, integrated exactly over
// image pixels (polygon clipping and polygon moments by Green's theorem).
#pragma once

#include <cstdint>
#include <vector>

#include "polychrome/pixel_grid.hpp"

namespace polychrome {

/// A grid of gx x gy nodes (columns along the grid's u axis, rows along v)
/// placed on the tangent plane. Node (r, c) sits at
///   center + R(pa) * scale * (c - (gx - 1) / 2, r - (gy - 1) / 2),
/// R(pa) the counter-clockwise rotation by pa. In grid units u (node columns
/// at u = 0 .. gx-1) the brightness is the bilinear interpolant of the node
/// values on each cell [k, k+1] x [l, l+1]; the grid extends half a cell
/// beyond the outer nodes (u in [-0.5, gx - 0.5], v in [-0.5, gy - 0.5]),
/// where the outer cells' bilinear functions continue linearly; zero beyond.
struct PixelatedGrid {
  int gx = 2;              ///< nodes along u (columns of the value array)
  int gy = 2;              ///< nodes along v (rows)
  double center_x = 0.0;   ///< plane x of the grid's centre, arcsec
  double center_y = 0.0;   ///< plane y, arcsec
  double pa = 0.0;         ///< rotation of the grid's u axis from the plane's +x, rad (counter-clockwise)
  double scale = 1.0;      ///< grid spacing, arcsec per cell

  /// Throws std::invalid_argument naming the field: fewer than 2 nodes on an
  /// axis, a non-finite centre or angle, a spacing not finite and > 0.
  void validate() const;
};

/// Image pixel x grid node weights in compressed rows (one row per image
/// pixel, row-major over (ny, nx)): weight = integral over the pixel of the
/// node's bilinear basis function, arcsec^2. A pixel's value (flux) is the
/// sum over its row of weight x node value (flux/arcsec^2).
struct PixelatedWeights {
  std::vector<std::int64_t> row_start;  ///< ny*nx + 1 offsets into node / weight
  std::vector<std::int32_t> node;       ///< node index r * gx + c
  std::vector<double> weight;           ///< arcsec^2
};

/// The weights of every pixel of `image` (exact to rounding). threads >= 1.
PixelatedWeights pixelated_weights(const PixelGrid& image, const PixelatedGrid& grid, int threads);

/// Derivatives of each pixel's integral of the interpolant of `values`
/// (gy*gx node values, row-major, flux/arcsec^2) with respect to the grid's
/// centre x, centre y (flux/arcsec), pa (flux/rad) and scale (flux per
/// arcsec/cell): out is (4, ny, nx), row-major. Exact to rounding: Reynolds'
/// transport theorem in grid coordinates, the pixel's edges moving through a
/// fixed interpolant, each edge piece within one cell integrated by a
/// two-point Gauss-Legendre rule (the integrand is a cubic along it).
void pixelated_geometry_jacobian(const PixelGrid& image, const PixelatedGrid& grid, const double* values,
                                 double* out, int threads);

}  // namespace polychrome
