// A profile rendered and convolved with a PSF: the model pixel value is the
// integral over the pixel of (profile convolved with PSF), and its Jacobian
// is the convolved Jacobian of the unconvolved render.
#pragma once

#include "polychrome/ellipse.hpp"
#include "polychrome/pixel_grid.hpp"
#include "polychrome/psf_convolver.hpp"
#include "polychrome/render.hpp"
#include "polychrome/render_options.hpp"

namespace polychrome {

/// Render `profile` convolved with the convolver's PSF on `grid` into
/// image[ny*nx] (flux per pixel) and, when jac is not null, jac[jacobian_size
/// * ny * nx] (same parameter order as render()).
///
/// psf_upsample = k >= 1: the PSF pixels are the grid's pixels divided by k in
/// each direction (same orientation). The profile is then rendered on the
/// fine grid (pixel-scale matrix P/k, same origin: coarse pixel (i, j) is the
/// fine block [k i, k i + k) x [k j, k j + k)), convolved there and each
/// k x k block is summed back into its coarse pixel.
///
/// Either way the render covers the window grown by the PSF half-sizes (in
/// the PSF's pixels) on every side, so that light from outside the window
/// that the PSF scatters in is counted; light scattered out of the window is
/// lost, as it is from a real detector of that size.
///
/// options.absolute_tolerance is the error allowed in each output pixel: the
/// fine render gets it divided by k^2 x the sum of the PSF's |values|, the
/// most by which k^2 fine pixels' errors through the PSF can add up.
///
/// options.single_precision_jacobian: the Jacobian's planes convolved in single precision
/// (see RenderOptions; the image is convolved in double either way).
///
/// options.threads applies to the render and the convolution. Throws
/// std::invalid_argument for psf_upsample < 1 and for what render() rejects.
void render_convolved(const PixelGrid& grid, const Ellipse& ellipse, const AnyProfile& profile,
                      const RenderOptions& options, const PsfConvolver& psf, int psf_upsample,
                      double* image, double* jac);

}  // namespace polychrome
