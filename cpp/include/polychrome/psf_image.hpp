// A validated PSF image: the one place that decides what a PSF may be.
#pragma once

#include <cstddef>
#include <vector>

namespace polychrome {

/// A PSF sampled on pixels, stored row-major (data[y, x]).
///
/// Centre convention: pixel (ny/2, nx/2) (integer division) is the centre of
/// the PSF, i.e. a point source at the centre of an image pixel puts the PSF's
/// centre pixel onto that pixel. Both sizes must therefore be odd, so that the
/// centre is a pixel and not a pixel corner.
///
/// Normalisation: the values are divided by their sum on construction, so a
/// PSF given with any positive total is accepted and the convolved model keeps
/// the flux of the unconvolved one. The sum must be clearly positive: a PSF
/// whose values cancel (sum <= 1e-8 x the sum of their absolute values) or
/// sum to a negative number is rejected rather than amplified into noise.
/// Negative pixels are allowed (PSF models subtracted from data have them).
class PsfImage {
 public:
  /// values: ny*nx doubles, row-major. Throws std::invalid_argument naming
  /// "psf" for an even or empty size, a non-finite value or a sum that is not
  /// clearly positive.
  PsfImage(const double* values, int ny, int nx);

  /// A PSF whose values a PsfImage has already normalised (e.g. values()
  /// read back to restore a pickled object): checked like the constructor
  /// but kept bit for bit, since dividing by their sum again (a sum that is
  /// 1 only to rounding) would change the last bits of every value.
  static PsfImage already_normalised(const double* values, int ny, int nx);

  int ny() const noexcept { return ny_; }
  int nx() const noexcept { return nx_; }
  /// Half sizes: the centre pixel's row and column, and the number of pixels
  /// the PSF reaches beyond its centre on each side.
  int half_height() const noexcept { return ny_ / 2; }
  int half_width() const noexcept { return nx_ / 2; }
  /// The normalised values (sum 1), row-major.
  const std::vector<double>& values() const noexcept { return values_; }
  double at(int i, int j) const noexcept {
    return values_[static_cast<std::size_t>(i) * static_cast<std::size_t>(nx_) +
                   static_cast<std::size_t>(j)];
  }

 private:
  PsfImage(const double* values, int ny, int nx, bool normalise);

  int ny_;
  int nx_;
  std::vector<double> values_;
};

}  // namespace polychrome
