// Render arguments as the bindings receive them from Python (shared by the
// render and PSF bindings): the pixel grid (shape, origin, 2x2 pixel-scale
// matrix) and the accuracy/threading options.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <stdexcept>
#include <utility>

#include "polychrome/pixel_grid.hpp"
#include "polychrome/render_options.hpp"
#include "polychrome/threads.hpp"
#include "thread_count.hpp"

namespace polychrome_bindings {

inline polychrome::PixelGrid make_grid(
    const std::pair<int, int>& shape, const std::pair<double, double>& origin,
    const pybind11::array_t<double, pybind11::array::c_style | pybind11::array::forcecast>& pixelscale) {
  if (pixelscale.ndim() != 2 || pixelscale.shape(0) != 2 || pixelscale.shape(1) != 2)
    throw std::invalid_argument("pixelscale must be a 2x2 matrix");
  if (shape.first < 0 || shape.second < 0) throw std::invalid_argument("shape must be non-negative");
  polychrome::PixelGrid grid;
  grid.ny = shape.first;
  grid.nx = shape.second;
  grid.origin_x = origin.first;
  grid.origin_y = origin.second;
  const auto P = pixelscale.unchecked<2>();
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 2; ++c) grid.P[r][c] = P(r, c);
  return grid;
}

/// useful: whether the call's work could use more than one thread (see resolve_threads).
inline polychrome::RenderOptions make_render_options(double tolerance, double faint_fraction,
                                                    int max_depth, const pybind11::object& threads,
                                                    double absolute_tolerance, bool useful = true) {
  polychrome::RenderOptions opt;
  opt.tolerance = tolerance;
  opt.faint_fraction = faint_fraction;
  opt.absolute_tolerance = absolute_tolerance;
  opt.max_depth = max_depth;
  opt.threads = resolve_threads(threads, useful);
  return opt;
}

/// Whether rendering `pixels` pixels could use more than one thread (polychrome::team_size).
inline bool render_could_use_threads(double pixels) {
  return pixels >= 2.0 * static_cast<double>(polychrome::kMinRenderPixelsPerThread);
}

}  // namespace polychrome_bindings
