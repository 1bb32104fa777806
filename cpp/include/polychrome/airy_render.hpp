// Pixel integrals of the Airy pattern (profiles/airy.hpp) and their
// derivatives with respect to aRL and I0.
#pragma once

#include "polychrome/pixel_grid.hpp"

namespace polychrome {

/// Integrate the Airy pattern centred at (cx, cy) (arcsec) over every pixel of
/// grid into image[ny*nx] (flux per pixel) and, when jac is not null, its
/// derivatives with respect to aRL and I0 into jac[2*ny*nx] (in that order).
///
/// Each pixel (a parallelogram) is split into m x m cells integrated by
/// n x n-point Gauss-Legendre: I is band-limited to 2 aRL cycles/arcsec, so
/// Bernstein's inequality bounds its 2n-th derivatives along a cell side of
/// length h by (2 pi 2 aRL h)^(2n) times its peak, which with the
/// Gauss-Legendre error term gives the n (and m, for pixels much wider than
/// the rings) that keeps every pixel within `tolerance` x (peak x pixel area)
/// of its exact integral. Throws std::invalid_argument for aRL <= 0, a
/// non-finite I0 or centre, tolerance outside (0, 1), a bad grid, or a
/// pattern too fine for the pixels (more than 8 x 8 cells per pixel needed:
/// the first dark ring below about 1/50 of a pixel).
void render_airy(const PixelGrid& grid, double cx, double cy, double aRL, double log10_I0,
                 double tolerance, double* image, double* jac);

/// The (cells per side m, Gauss-Legendre points n) render_airy uses for a pixel
/// side of h arcsec (the longer side) at that band limit and tolerance.
struct AiryQuadrature {
  int cells;
  int points;
};
AiryQuadrature airy_quadrature(double h, double aRL, double tolerance);

}  // namespace polychrome
