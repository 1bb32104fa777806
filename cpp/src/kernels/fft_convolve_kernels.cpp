// The PSF convolution's column stage (see psf_convolution_passes.cpp), compiled once per CPU
// level: for one block of up to kFftLanes adjacent columns of the rows' half spectra, the forward
// column FFT, the product with the PSF's spectrum and the inverse column FFT, all inside the
// kernel's lane buffers; then only the rows the window needs go back out.
//
// Why fused: done as three passes over the whole spectrum (forward columns, product, inverse
// columns) the spectrum went through the lane buffers twice and through memory four times;
// here each block is gathered once and scattered once, and the inverse writes only the
// window's rows (about half of the transform's for a survey cutout) for the row pass to read.
// Templated on the element type: double, and float for the single-precision convolution, whose
// blocks are kLanesOf<float> columns wide (16 with AVX-512: see kernels.hpp).
#include <algorithm>
#include <cmath>
#include <cstddef>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "../fft_lanes.hpp"
#include "kernels.hpp"

namespace polychrome::POLYCHROME_KERNEL_NAMESPACE {

template <typename T>
void convolve_columns(const ComplexFftPlan& plan, const ConvolutionColumns<T>& c, T* scratch) {
  constexpr int kW = kLanesOf<T>;
  constexpr std::size_t W = kW;
  const std::size_t n = plan.size();
  const std::size_t lanes = static_cast<std::size_t>(c.lanes);
  const std::size_t in_rows = std::min(c.in_rows, n);
  const auto [re, im, wre, wim] = plan.split_buffers(scratch);

  // Gather the input rows (each has room for the block's W lanes: see ConvolutionColumns::stride);
  // lanes past c.lanes are read and set to 0: transformed along (cheaper than a remainder path,
  // and never denormals or NaNs).
  if (lanes == W) {
    for (std::size_t t = 0; t < in_rows; ++t)
      fft_detail::deinterleave<kW>(c.spectra + t * c.stride, re + t * W, im + t * W);
  } else {
    for (std::size_t t = 0; t < in_rows; ++t)
      fft_detail::deinterleave_live<kW>(c.spectra + t * c.stride, lanes, re + t * W, im + t * W);
  }
  // The rest of the column is 0: neither stored nor read (see fft_split_lanes_lit).
  const bool forward_in_work = fft_split_lanes_lit<T, kW>(plan, in_rows, re, im, wre, wim);
  T* const xr = forward_in_work ? wre : re;
  T* const xi = forward_in_work ? wim : im;
  T* const yr = forward_in_work ? re : wre;
  T* const yi = forward_in_work ? im : wim;

  // Spelled out in real arithmetic (std::complex's operator* handles
  // inf/NaN by a library call per product).
  const T* __restrict kr = c.kernel_re;
  const T* __restrict ki = c.kernel_im;
  for (std::size_t i = 0; i < n * W; ++i) {
    const T a = xr[i], b = xi[i];
    xr[i] = a * kr[i] - b * ki[i];
    xi[i] = a * ki[i] + b * kr[i];
  }

  // Backward transform = forward transform with real and imaginary parts swapped; the real part
  // of the result then lies in the array passed as the imaginary one (see fft_lanes).
  const bool backward_in_work = fft_split_lanes<T, kW>(plan, xi, xr, yi, yr);
  const T* rr = backward_in_work ? yr : xr;
  const T* ri = backward_in_work ? yi : xi;

  for (std::size_t j = 0; j < c.out_rows; ++j) {
    std::size_t t = c.out_first + j;
    while (t >= n) t -= n;
    // All W lanes: those past c.lanes land in the row's room past its bins, which nothing reads.
    fft_detail::interleave<kW>(rr + t * W, ri + t * W, T(1), c.spectra + j * c.stride);
  }
}

// Written out for AVX-512 (GCC kept a 32-lane array of sums in memory around its remainder
// loop): four registers of running sums, so that the additions do not wait on each other's
// latency, and each row's last values through a masked load. Elsewhere eight running sums.
double abs_sum(const double* in, std::size_t rows, std::size_t cols, std::size_t stride) {
#if defined(__AVX512F__)
  __m512d s0 = _mm512_setzero_pd(), s1 = s0, s2 = s0, s3 = s0;
  for (std::size_t r = 0; r < rows; ++r) {
    const double* row = in + r * stride;
    std::size_t j = 0;
    for (; j + 32 <= cols; j += 32) {
      s0 = _mm512_add_pd(s0, _mm512_abs_pd(_mm512_loadu_pd(row + j)));
      s1 = _mm512_add_pd(s1, _mm512_abs_pd(_mm512_loadu_pd(row + j + 8)));
      s2 = _mm512_add_pd(s2, _mm512_abs_pd(_mm512_loadu_pd(row + j + 16)));
      s3 = _mm512_add_pd(s3, _mm512_abs_pd(_mm512_loadu_pd(row + j + 24)));
    }
    for (; j < cols; j += 8) {
      const std::size_t left = cols - j;
      const __mmask8 live = left >= 8 ? __mmask8(0xFF) : static_cast<__mmask8>((1u << left) - 1u);
      s0 = _mm512_add_pd(s0, _mm512_abs_pd(_mm512_maskz_loadu_pd(live, row + j)));
    }
  }
  // (Not _mm512_reduce_add_pd: GCC 12 warns inside it of an uninitialised register.)
  alignas(64) double lanes[8];
  _mm512_store_pd(lanes, _mm512_add_pd(_mm512_add_pd(s0, s1), _mm512_add_pd(s2, s3)));
  double sum = 0.0;
  for (const double v : lanes) sum += v;
  return sum;
#else
  double lanes[8] = {};
  double sum = 0.0;
  for (std::size_t r = 0; r < rows; ++r) {
    const double* row = in + r * stride;
    std::size_t j = 0;
    for (; j + 8 <= cols; j += 8)
      for (std::size_t l = 0; l < 8; ++l) lanes[l] += std::abs(row[j + l]);
    for (; j < cols; ++j) sum += std::abs(row[j]);
  }
  for (const double v : lanes) sum += v;
  return sum;
#endif
}

template void convolve_columns(const ComplexFftPlan&, const ConvolutionColumns<double>&, double*);
template void convolve_columns(const ComplexFftPlan&, const ConvolutionColumns<float>&, float*);

}  // namespace polychrome::POLYCHROME_KERNEL_NAMESPACE
