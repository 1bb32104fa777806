// A point source: the PSF placed at an arbitrary (sub-pixel) position by a
// Fourier phase shift, with analytic derivatives in position and flux.
//
// Why a phase shift: it is the exact translation of the band-limited
// (trigonometric) interpolant of the sampled PSF, so
//   - a PSF sampled finely enough to be band-limited (Nyquist-sampled: its
//     spectrum negligible at half the sampling frequency) and negligible
//     near its edges is shifted exactly, to the size of those neglected parts;
//   - the flux is conserved exactly for any PSF (the zero frequency is not
//     touched) as long as the shifted PSF lies inside the image;
//   - a whole-pixel offset returns the PSF itself (to rounding);
//   - an undersampled PSF rings (Gibbs oscillations at the level of its
//     spectrum at the Nyquist frequency): give it finer with psf_upsample.
// The PSF is zero-padded by kShiftMargin pixels on each side to odd FFT sizes
// (odd, so that there is no Nyquist bin whose phase shift would not be real),
// which leaves room for the shifted PSF's wings and keeps their wrap-around
// small; every one of those padded pixels is placed in the image.
#pragma once

#include <complex>
#include <cstddef>
#include <vector>

#include "polychrome/fft.hpp"
#include "polychrome/pixel_grid.hpp"
#include "polychrome/psf_image.hpp"

namespace polychrome {

class PointSourceRenderer {
 public:
  /// Columns of the Jacobian: d/dx, d/dy (per arcsec) and d/dflux.
  static constexpr int kJacobianSize = 3;
  /// Zero padding around the PSF, in PSF pixels, on each side.
  static constexpr int kShiftMargin = 8;

  explicit PointSourceRenderer(PsfImage psf);

  const PsfImage& psf() const noexcept { return psf_; }
  /// Rows and columns of the padded PSF that is shifted (odd sizes).
  std::size_t shift_ny() const noexcept { return plan_.ny(); }
  std::size_t shift_nx() const noexcept { return plan_.nx(); }

  /// Flux `flux` at plane position (x, y) (arcsec) on `grid` into image[ny*nx]
  /// (flux per pixel) and, when jac is not null, jac[3*ny*nx]: d/dx, d/dy
  /// (per arcsec) and d/dflux. The PSF's centre pixel (PsfImage convention)
  /// lands on (x, y); psf_upsample = k: the PSF's pixels are the grid's
  /// divided by k (same orientation), and k x k blocks are summed into the
  /// grid's pixels. Any non-singular pixel-scale matrix is accepted: the PSF
  /// is defined on the pixel grid, so the shift happens in pixel coordinates
  /// and the position derivatives go through the inverse matrix. Light that
  /// falls outside the grid is lost. Throws std::invalid_argument for a bad
  /// grid, non-finite x, y, flux or psf_upsample < 1. Safe to call from
  /// several threads at once.
  void render(const PixelGrid& grid, double x, double y, double flux, int psf_upsample,
              double* image, double* jac) const;

 private:
  const PsfImage psf_;
  const RealFft2dPlan plan_;
  // Spectrum of the padded PSF with its centre pixel moved to index (0, 0).
  std::vector<std::complex<double>> spectrum_;
};

}  // namespace polychrome
