// Linear (not circular) convolution of model windows with one PSF by FFT,
// batched over the image and its Jacobian columns.
//
// The caller renders on the window grown by the PSF half-sizes (hy, hx) on
// every side (the "padded" array, (wy + 2 hy) x (wx + 2 hx)), so that light
// from just outside the window that the PSF scatters into it is included.
// The padded array is zero-padded further to an FFT size of at least its own
// size (2^a 3^b 5^c, next_fast_size): a circular convolution of that size
// equals the linear one on the central window, because every output pixel of
// the window only reads padded pixels within hy, hx of itself, all inside the
// padded array. The result is that central window ("same" mode on the padded
// array, cropped by the half-sizes). Where the caller says the arrays are 0
// outside a box (Extent), only the box is transformed, at the smallest size
// that still keeps the window free of wrapped-around light (see
// psf_convolver.cpp, circular_axis).
//
// Cost of a batch of K arrays: K forward and K inverse real 2D transforms of
// the FFT size plus K spectrum products, pruned to what the window needs (the
// forward row pass over the lit rows only, the inverse row pass over the
// window's rows only, the column passes fused with the product: see
// cpp/src/psf_convolution_passes.hpp); the PSF spectrum is computed once per
// FFT size and cached in the object.
#pragma once

#include <complex>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "polychrome/fft.hpp"
#include "polychrome/psf_image.hpp"
#include "polychrome/scratch_pool.hpp"

namespace polychrome {

class ConvolutionPasses;  // the plans and PSF spectrum of one FFT size (cpp/src/)

/// Where the padded arrays given to PsfConvolver::convolve may be nonzero: rows
/// [row_begin, row_end) and columns [col_begin, col_end) of the padded array (all of it by
/// default; clipped to it). A renderer that leaves a model's far wings at 0 passes the box that
/// holds its light, and the transforms shrink to it.
struct ConvolutionExtent {
  static constexpr int kWhole = 1 << 30;
  int row_begin = 0, row_end = kWhole, col_begin = 0, col_end = kWhole;
};

class PsfConvolver {
 public:
  /// capacity: FFT sizes whose plan and PSF spectrum are always kept (oldest
  /// dropped first); a model window usually needs one. Beyond it more sizes
  /// are kept (up to kMaxTransforms) while all the spectra together take at
  /// most spectrum_budget bytes: a survey's small cutouts come in many sizes,
  /// and a transform rebuilt per cutout costs ~10% of its render.
  explicit PsfConvolver(PsfImage psf, std::size_t capacity = 8,
                        std::size_t spectrum_budget = std::size_t{32} << 20);

  /// Most FFT sizes kept, whatever their memory.
  static constexpr std::size_t kMaxTransforms = 256;

  PsfConvolver(const PsfConvolver&) = delete;
  PsfConvolver& operator=(const PsfConvolver&) = delete;

  const PsfImage& psf() const noexcept { return psf_; }
  /// Pixels the window must be grown by on each side (top/bottom, left/right).
  int pad_y() const noexcept { return psf_.half_height(); }
  int pad_x() const noexcept { return psf_.half_width(); }

  /// How many FFT sizes have their plan and PSF spectrum kept now.
  std::size_t cached_sizes() const;

  /// FFT shape (rows, columns) used for a window of wy x wx pixels.
  std::pair<std::size_t, std::size_t> fft_shape(int wy, int wx) const;

  /// Where the padded arrays may be nonzero (see ConvolutionExtent).
  using Extent = ConvolutionExtent;

  /// double_arrays for every array in double precision.
  static constexpr std::size_t kAllDouble = static_cast<std::size_t>(-1);

  /// Convolve count arrays stored one after another in padded, each
  /// (wy + 2 pad_y) x (wx + 2 pad_x), row-major; array a's central wy x wx
  /// window goes to out[a] (row-major, wy*wx doubles). Output may not overlap
  /// the input. threads: at most this many (work too small for them runs on
  /// fewer; Python resolves the count in polychrome.thread_policy). extent: where the arrays may
  /// be nonzero (the rest is not read). double_arrays: the arrays a < double_arrays are convolved
  /// in double precision; the others in single precision (float transforms: each output within
  /// ~1e-6 of its array's largest magnitude, for a Jacobian's planes; tests/
  /// test_convolution_single.py) where their values suit float's range, else in double too (see
  /// ConvolutionPasses::suits_single_precision). An array's output depends on it alone, not on
  /// its batch or the threads. Safe to call from several threads at once. Throws
  /// std::invalid_argument for negative window sizes.
  void convolve(const double* padded, std::size_t count, int wy, int wx, double* const* out,
                int threads = 1, Extent extent = Extent{},
                std::size_t double_arrays = kAllDouble) const;
  /// The same with the outputs stored one after another in out (count*wy*wx).
  void convolve(const double* padded, std::size_t count, int wy, int wx, double* out,
                int threads = 1, Extent extent = Extent{},
                std::size_t double_arrays = kAllDouble) const;

  /// A work buffer of at least count doubles from this object's pool, for
  /// callers that prepare its input (the padded render): reused between
  /// calls instead of being mapped and page-faulted afresh each time.
  ScratchPool::Lease scratch(std::size_t count) const { return pool_.acquire(count); }

 private:
  // The plans of one FFT size and the PSF's spectrum at that size, built on first use.
  std::shared_ptr<const ConvolutionPasses> transform(std::size_t ny, std::size_t nx) const;

  const PsfImage psf_;
  const std::size_t capacity_;
  const std::size_t spectrum_budget_;
  // The cache of transforms: filled lazily by const methods, hence mutable,
  // guarded by mutex_. Entries are immutable once built.
  mutable std::mutex mutex_;
  mutable std::deque<std::pair<std::pair<std::size_t, std::size_t>, std::shared_ptr<const ConvolutionPasses>>>
      transforms_;
  mutable std::size_t spectrum_bytes_ = 0;  // of the transforms kept
  // Work buffers (thread-safe on its own); mutable for the same reason.
  mutable ScratchPool pool_;
};

}  // namespace polychrome
