// The transforms of one FFT size for PsfConvolver (internal header of the core): the plans, the
// PSF's spectrum laid out for the column kernel, and the three passes that convolve one array.
//
// The passes, for an ny x nx circular convolution of an array that is nonzero only in its first
// in_rows x in_cols corner, of which only an out_rows x out_cols box (starting at transform
// row/column out_row0/out_col0, wrapping at the sizes) is wanted:
// 1. real FFT of the in_rows lit rows only (read in place, zero-padded to nx): the other rows'
//    spectra are 0 and are never formed;
// 2. per block of 8 (double) or 16 (float with AVX-512) half-spectrum columns: forward column FFT, product with the PSF's
//    spectrum, inverse column FFT, fused in the lane buffers (convolve_columns), only the
//    out_rows wanted rows written back;
// 3. inverse real FFT of those out_rows rows only, each writing just its out_cols wanted values
//    to the output.
// Against a full 2D transform pair this drops the dark rows' forward transforms, the unwanted
// rows' inverse transforms, two gathers and scatters of the spectrum and the copies in and out.
//
// The passes run in double or in single precision (float lanes, half spectra and PSF spectrum,
// the input rounded to float on the way in and the output widened on the way out: half the bytes
// and twice the lanes per vector register). Single precision is for arrays whose outputs may err
// by ~1e-6 of their largest magnitude (the Jacobian's planes, which steer a fit and give its
// covariance), and only for inputs whose magnitudes keep float's range (suits_single_precision).
#pragma once

#include <cstddef>
#include <vector>

#include "polychrome/fft.hpp"
#include "polychrome/psf_image.hpp"

namespace polychrome {

/// Where one array's input and output lie for ConvolutionPasses::run (see the top of the file).
/// in_rows <= ny, in_cols <= nx, out_rows <= ny, out_cols <= nx, out_row0 < ny, out_col0 < nx.
struct ConvolutionBox {
  std::size_t in_rows = 0, in_cols = 0, in_stride = 0;     // input box and its row stride (doubles)
  std::size_t out_rows = 0, out_cols = 0, out_stride = 0;  // output box and its row stride
  std::size_t out_row0 = 0, out_col0 = 0;                  // transform row/column of output (0, 0)
};

class ConvolutionPasses {
 public:
  /// Plans for an ny x nx transform and the spectrum of `psf` (centre moved to index (0, 0), a
  /// transform smaller than the PSF folds it) at that size, divided by ny nx.
  ConvolutionPasses(const PsfImage& psf, std::size_t ny, std::size_t nx);

  std::size_t ny() const noexcept { return columns_.size(); }
  std::size_t nx() const noexcept { return rows_.size(); }
  /// Bytes of the PSF spectrum kept (in both precisions).
  std::size_t spectrum_bytes() const noexcept {
    return kernel_.size() * sizeof(double) + kernel_float_.size() * sizeof(float);
  }
  /// Doubles of the spectra buffer run() needs for a box (rows of nx/2+1 complex bins), a
  /// multiple of 8.
  std::size_t spectra_size(const ConvolutionBox& box) const noexcept;
  /// Doubles of kernel scratch run() needs per thread.
  std::size_t scratch_size() const noexcept;

  /// Whether the box of `in` (as run() reads it) suits the single-precision passes: the sum of
  /// its |values| is 0 or within [2^-50, 2^80] (so no value's magnitude, nor any sum of them in
  /// the transforms, leaves float's normal range on either side where it matters: see the .cpp).
  /// NaN or inf does not suit (the double passes carry it to the output as they always did).
  static bool suits_single_precision(const ConvolutionBox& box, const double* in) noexcept;

  /// Convolves one array: in (box.in_rows rows of box.in_cols values, stride box.in_stride) to out
  /// (box.out_rows rows of box.out_cols values, stride box.out_stride). T: the passes' element
  /// type, double or float (then `in` must suit it, see suits_single_precision). spectra:
  /// spectra_size(box) doubles' room; scratch: threads * scratch_size() doubles' room (both
  /// uninitialised, used as T). threads: threads inside the passes (1 for none).
  template <typename T>
  void run(const ConvolutionBox& box, const double* in, double* out, T* spectra, T* scratch,
           int threads) const;

 private:
  RealFftPlan rows_;
  ComplexFftPlan columns_;
  // The PSF's spectrum of element type T: kernel_ or kernel_float_.
  template <typename T>
  const T* kernel() const noexcept;

  // Per block b of L half-spectrum columns (L = RealFftKernels<T>::lanes: 8 doubles, 16 floats
  // with AVX-512): ny L
  // real parts, then as many imaginary parts, lane-interleaved (element t of column L b + l at
  // t L + l); columns past nx/2 are 0.
  std::vector<double> kernel_;
  std::vector<float> kernel_float_;  // each value the double one's rounded to float
};

}  // namespace polychrome
