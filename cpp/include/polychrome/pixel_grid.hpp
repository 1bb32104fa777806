// A rectangular pixel grid placed on the tangent plane (arcsec).
#pragma once

namespace polychrome {

/// Pixel (i, j) (row i = y, column j = x) covers the parallelogram
/// origin + P @ ([j, j+1] x [i, i+1]); its centre is origin + P @ (j+0.5, i+0.5).
/// P is the 2x2 pixel-scale matrix in arcsec per pixel: its first column is
/// the plane displacement of one step in x (column), its second one step in y.
struct PixelGrid {
  int nx = 0;              ///< columns
  int ny = 0;              ///< rows
  double origin_x = 0.0;   ///< plane x of the outer corner of pixel (0, 0), arcsec
  double origin_y = 0.0;   ///< plane y of that corner, arcsec
  double P[2][2] = {{1.0, 0.0}, {0.0, 1.0}};  ///< arcsec/pixel, P[row][col]

  double area() const;  ///< |det P|, arcsec^2 per pixel

  /// Throws std::invalid_argument naming the field for a negative shape, a
  /// non-finite origin or pixel scale, or a singular pixel-scale matrix.
  void validate() const;
};

inline double PixelGrid::area() const {
  const double det = P[0][0] * P[1][1] - P[0][1] * P[1][0];
  return det < 0.0 ? -det : det;
}

}  // namespace polychrome
