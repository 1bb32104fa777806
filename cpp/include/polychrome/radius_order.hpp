// A window's pixels about a centre in elliptical-radius order: the radii, the order of the pixels
// within a reach, and the flux and its second-moment products summed cumulatively in that order
// (initialize()'s shape moments, annuli and curve of growth, python/polychrome/models/initialization.py).
// The arithmetic is numpy's, operation for operation (no fused multiply-adds, sequential running
// sums), so that the results are those of the numpy code they replace, bit for bit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace polychrome::initialization {

// Semi-major elliptical radius (arcsec) of each offset (dx[i], dy[i]) (arcsec) for axis ratio ``q``
// and position angle ``PA`` (radians, counter-clockwise from +x): sqrt(along^2 + (across / q)^2).
// Writes ``count`` radii to ``radius``.
void elliptical_radii(const double* dx, const double* dy, std::size_t count, double q, double PA, double* radius);

// The positions of the radii <= ``reach`` sorted by radius (ties by position), and whether two of
// them tie (then a caller that needs another order of the ties sorts them itself).
struct RadiusOrder {
  std::vector<std::int64_t> order;
  bool ties = false;
};
RadiusOrder radius_order(const double* radius, std::size_t count, double reach);

// Running sums, in the order ``order`` (``count`` positions), of w = flux, dx dx w, dy dy w and
// dx dy w: four rows of ``count`` values written row after row to ``sums`` (4 x count).
void ordered_moment_sums(const std::int64_t* order, std::size_t count, const double* flux, const double* dx,
                         const double* dy, double* sums);

}  // namespace polychrome::initialization
