// The project's own FFT: complex 1D, real 1D and real 2D transforms for sizes
// 2^a 3^b 5^c (radix 2, 3, 4, 5), planned once per size.
//
// Why our own: FFTW's GPL does not suit a permissive wheel and no registry
// package ships a permissive C++ FFT to build against (see DESIGN.md). The
// convolution engine only ever asks for zero-padded sizes that it picks itself
// with next_fast_size(), so supporting 2^a 3^b 5^c suffices.
//
// Conventions follow numpy.fft: the forward transform is
//   X[k] = sum_t x[t] exp(-2 pi i k t / n)   (unnormalised),
// and every inverse is normalised by 1/n (1/(nx*ny) in 2D), so that
// inverse(forward(x)) == x. Real spectra hold the n/2+1 non-negative
// frequencies (numpy.fft.rfft / rfft2 layout); the inverse real transforms
// ignore the imaginary parts of the zero and (even n) Nyquist bins, as
// numpy.fft.irfft does.
//
// Plans are immutable once built: one plan may be used from many threads at
// once. Each call takes its scratch memory from the caller or allocates one
// work buffer; nothing is cached behind the caller's back.
//
// How it is fast: every kernel transforms kFftLanes independent sequences at
// once, stored "split" (real parts and imaginary parts in separate arrays) and
// "lane-interleaved" (element t of lane l at index t*kFftLanes + l). The inner
// loop of each butterfly then runs over contiguous lanes with one broadcast
// twiddle, which the compiler turns into plain SIMD arithmetic with no
// shuffles. The 2D transform feeds it blocks of rows (two real rows per lane,
// the "two for the price of one" trick) and blocks of columns.
#pragma once

#include <array>
#include <complex>
#include <cstddef>
#include <memory>
#include <type_traits>
#include <vector>

namespace polychrome {

/// Number of sequences the batched kernels transform together: 8 doubles is
/// one AVX-512 register or two AVX2 registers per real/imaginary array.
inline constexpr int kFftLanes = 8;

/// Lanes of one AVX-512 register of element type T: 8 doubles (kFftLanes), 16 floats: the most
/// any kernel block uses (the single-precision row and column blocks run 16 lanes with AVX-512;
/// at 8 float lanes a block cost as many vector instructions as a double one). Scratch has room
/// for this many.
template <typename T>
inline constexpr int kRegisterLanes = std::is_same_v<T, float> ? 2 * kFftLanes : kFftLanes;

enum class FftDirection { forward, backward };

/// True when n >= 1 and n has no prime factor other than 2, 3 and 5.
bool is_fast_fft_size(std::size_t n) noexcept;

/// Smallest m >= n of the form 2^a 3^b 5^c (1 for n <= 1). Throws
/// std::overflow_error if no such size fits in std::size_t.
std::size_t next_fast_size(std::size_t n);

/// A contiguous, 64-byte-aligned, uninitialised array of doubles (scratch for
/// the kernels, which write every element before reading it). Owns its
/// memory; aligned so that lane blocks never straddle cache lines; not zeroed
/// because clearing hundreds of KiB per call would cost more than small
/// transforms themselves.
class FftScratch {
 public:
  FftScratch() = default;
  explicit FftScratch(std::size_t count);
  double* data() noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }

 private:
  struct Free {
    void operator()(void* p) const noexcept;
  };
  std::unique_ptr<void, Free> storage_;
  double* data_ = nullptr;
  std::size_t size_ = 0;
};

/// Up to kFftLanes strided complex sequences: element t of lane l is the
/// complex number at re = base[l][t*stride[l]], im = base[l][t*stride[l]+1]
/// (strides in doubles). Used to feed columns of 2D arrays to the kernel.
struct FftLanesIn {
  std::array<const double*, kFftLanes> base{};
  std::array<std::size_t, kFftLanes> stride{};
  int count = 0;
};
struct FftLanesOut {
  std::array<double*, kFftLanes> base{};
  std::array<std::size_t, kFftLanes> stride{};
  int count = 0;
};

/// Complex FFT of one size n = 2^a 3^b 5^c: an iterative self-sorting
/// (Stockham) decimation-in-time transform with twiddles precomputed per
/// stage. Throws std::invalid_argument naming n for other sizes.
class ComplexFftPlan {
 public:
  explicit ComplexFftPlan(std::size_t n);

  std::size_t size() const noexcept { return n_; }

  /// Elements of type T (double; float for the single-precision kernels) of
  /// scratch the block methods need: four arrays of n kRegisterLanes<T> (see
  /// split_buffers) plus padding: as many bytes for floats as for doubles.
  template <typename T = double>
  std::size_t scratch_size() const noexcept {
    return 4 * (n_ * kRegisterLanes<T> + kSplitPadBytes / sizeof(T));
  }

  /// The four kernel arrays (re, im and their ping-pong partners) of element
  /// type T (double; float for the single-precision kernels) carved out of
  /// scratch, each room for n kRegisterLanes<T> elements (a kernel with fewer
  /// lanes uses the start). They are spaced n kRegisterLanes<T> elements + kSplitPadBytes apart: for
  /// power-of-two n, arrays a multiple of 4 KiB apart would map the same
  /// element of all four to one L1 cache set and evict each other.
  template <typename T>
  struct SplitBuffers {
    T* re;
    T* im;
    T* work_re;
    T* work_im;
  };
  template <typename T>
  SplitBuffers<T> split_buffers(T* scratch) const noexcept;

  /// Unnormalised forward transform of W lane-interleaved split sequences in
  /// (re, im), using (work_re, work_im) as the ping-pong buffer; each array
  /// holds n*W doubles. W is 1 (vectorised along the sequence) or kFftLanes
  /// (vectorised across lanes); those two are instantiated. The result lands in (re, im) if the return value is
  /// false, in (work_re, work_im) if it is true. Passing (im, re, work_im,
  /// work_re) computes the unnormalised backward transform instead, because
  /// swapping real and imaginary parts conjugates the transform.
  template <int W>
  bool transform_split(double* re, double* im, double* work_re, double* work_im) const;

  /// count contiguous sequences of n interleaved complex numbers, in -> out
  /// (may alias exactly). Forward is unnormalised; backward is unnormalised
  /// too (multiply by 1/n for numpy's ifft) unless scale says otherwise:
  /// every output is multiplied by scale. Threads over blocks of sequences.
  void transform(const std::complex<double>* in, std::complex<double>* out, std::size_t count,
                 FftDirection direction, double scale = 1.0, int threads = 1) const;

  /// One contiguous sequence of n interleaved complex numbers, in -> out (may
  /// alias exactly), with the single-lane kernel. scratch: scratch_size().
  void transform_single(const double* in, double* out, FftDirection direction, double scale,
                        double* scratch) const;

  /// Blocks with at most this many sequences use transform_single per
  /// sequence: below it, 8 lanes would be mostly zeros.
  static constexpr std::size_t kSingleLaneMax = 2;

  /// One block of up to kFftLanes strided sequences: gathered, transformed,
  /// multiplied by scale and scattered. in and out may be the same memory.
  /// scratch: scratch_size() doubles.
  void transform_lanes(const FftLanesIn& in, const FftLanesOut& out, FftDirection direction,
                       double scale, double* scratch) const;

  /// One radix-p stage of the plan, as the kernels (cpu_kernels.hpp) read it.
  struct Stage {
    int radix;                   // p
    std::size_t done;            // l: product of the radices of earlier stages
    std::size_t rest;            // m: n / (l p), sub-sequences still to combine
    std::size_t twiddle_offset;  // first twiddle of this stage: (p-1) per k1 < l
  };
  const std::vector<Stage>& stages() const noexcept { return stages_; }
  /// Twiddles w_L^{r k1} of all stages (real and imaginary parts), per Stage::twiddle_offset,
  /// as T: double, or float (each rounded from the double) for the single-precision kernels.
  template <typename T>
  const T* twiddle_re() const noexcept {
    if constexpr (std::is_same_v<T, float>) {
      return twiddle_re_float_.data();
    } else {
      return twiddle_re_.data();
    }
  }
  template <typename T>
  const T* twiddle_im() const noexcept {
    if constexpr (std::is_same_v<T, float>) {
      return twiddle_im_float_.data();
    } else {
      return twiddle_im_.data();
    }
  }

 private:
  // Spacing pad between the split arrays: five cache lines, keeps 64-byte alignment.
  static constexpr std::size_t kSplitPadBytes = 320;

  std::size_t n_;
  std::vector<Stage> stages_;
  std::vector<double> twiddle_re_;
  std::vector<double> twiddle_im_;
  std::vector<float> twiddle_re_float_;
  std::vector<float> twiddle_im_float_;
};

/// Where half spectra of a stack of rows live (all offsets in elements of T, complex
/// interleaved): bins k < split of row r at lo + r*lo_stride + 2k, bins
/// k >= split at hi + r*hi_stride + 2(k - split). The plain layout is
/// split = n/2+1 with hi unused; the 2D inverse stores the last bin apart so
/// that it can work in the output array (see fft_2d.cpp).
template <typename T>
struct HalfSpectra {
  T* lo;
  std::size_t lo_stride;
  T* hi;
  std::size_t hi_stride;
  std::size_t split;
};

/// Real FFT of one size n = 2^a 3^b 5^c: real rows of n doubles to n/2+1
/// complex bins and back. Two real rows ride in one complex lane (real part
/// and imaginary part) and are separated afterwards using the Hermitian
/// symmetry of real transforms, so each row costs half a complex transform of
/// length n, for odd n as well as even n.
class RealFftPlan {
 public:
  explicit RealFftPlan(std::size_t n);

  std::size_t size() const noexcept { return plan_.size(); }
  /// n/2 + 1: the non-negative frequency bins.
  std::size_t spectrum_size() const noexcept { return plan_.size() / 2 + 1; }
  /// Elements of type T of scratch the block methods need (see ComplexFftPlan).
  template <typename T = double>
  std::size_t scratch_size() const noexcept {
    return plan_.scratch_size<T>();
  }
  /// Rows handled by one block call.
  static constexpr std::size_t block_rows = 2 * kFftLanes;

  /// count rows of n doubles (contiguous) -> count rows of n/2+1 bins.
  void forward(const double* in, std::complex<double>* out, std::size_t count,
               int threads = 1) const;
  /// count rows of n/2+1 bins -> count rows of n doubles, normalised by 1/n.
  void inverse(const std::complex<double>* in, double* out, std::size_t count,
               int threads = 1) const;

  /// Building blocks (used by the 2D transform): rows rows <= block_rows, row
  /// r of the input at in + r*in_stride, row r of the output as described by
  /// out. scratch: scratch_size() doubles.
  void forward_block(const double* in, std::size_t in_stride, std::size_t rows,
                     const HalfSpectra<double>& out, double* scratch) const;
  /// The same for input rows of only `length` <= n values each, taken as
  /// zero-padded to n (the padding is never read). T: the spectra's and the
  /// kernel's element type, double or float (single precision: the rows are
  /// rounded to float; scratch: scratch_size<float>() floats).
  template <typename T>
  void forward_block(const double* in, std::size_t in_stride, std::size_t rows,
                     std::size_t length, const HalfSpectra<T>& out, T* scratch) const;
  /// Inverse of forward_block, every output multiplied by scale (1/n for a
  /// normalised inverse). The input is read completely before the output is
  /// written, so the two may overlap.
  void inverse_block(const HalfSpectra<const double>& in, std::size_t rows, double* out,
                     std::size_t out_stride, double scale, double* scratch) const;
  /// The same writing only count values of each output row: element
  /// (first + j) mod n of the transform to out[r*out_stride + j], j < count
  /// (count may exceed n: the row repeats). T as for forward_block (the
  /// output widened to double before the scale).
  template <typename T>
  void inverse_block(const HalfSpectra<const T>& in, std::size_t rows, double* out,
                     std::size_t out_stride, std::size_t first, std::size_t count, double scale,
                     T* scratch) const;

 private:
  ComplexFftPlan plan_;
};

/// 2D real FFT of ny x nx real arrays (row-major, data[y, x]) to
/// ny x (nx/2+1) complex arrays, numpy.fft.rfft2 layout and signs; the inverse
/// is normalised by 1/(nx ny) like numpy.fft.irfft2. Batched over count arrays
/// of the same shape stored one after another; threads split rows and columns
/// (over all arrays) between OpenMP threads.
class RealFft2dPlan {
 public:
  RealFft2dPlan(std::size_t ny, std::size_t nx);

  std::size_t ny() const noexcept { return columns_.size(); }
  std::size_t nx() const noexcept { return rows_.size(); }
  std::size_t spectrum_nx() const noexcept { return rows_.spectrum_size(); }

  void forward(const double* in, std::complex<double>* out, std::size_t count = 1,
               int threads = 1) const;
  void inverse(const std::complex<double>* in, double* out, std::size_t count = 1,
               int threads = 1) const;

 private:
  RealFftPlan rows_;
  ComplexFftPlan columns_;
};

}  // namespace polychrome
