// Real-to-complex and complex-to-real FFT of rows, two real rows per complex
// lane.
//
// Why two rows per lane: packing rows a and b as z = a + i b costs one complex
// FFT of length n for two rows, i.e. half a complex FFT per row, like the
// half-length-plus-twist method, but it works unchanged for odd n (243, 375,
// ...) and needs no extra twiddle table. The spectra separate by Hermitian
// symmetry (A and B are the transforms of real rows, so A[-k] = conj(A[k])):
//   Z[k] = A[k] + i B[k],  conj(Z[-k]) = A[k] - i B[k]
//   A[k] = (Z[k] + conj(Z[-k])) / 2,   B[k] = (Z[k] - conj(Z[-k])) / (2i).
// The inverse builds Z[k] = A[k] + i B[k] for all k from the half spectra
// (A[n-k] = conj(A[k])) and reads a and b off the real and imaginary parts.
#include <algorithm>
#include <cstddef>

#include "fft_threads.hpp"
#include "polychrome/fft.hpp"

namespace polychrome {

using fft_detail::thread_count;
using fft_detail::thread_index;

namespace {

// Address of bin k of row r (doubles, complex interleaved).
template <typename T>
inline T* bin_ptr(const HalfSpectra<T>& s, std::size_t r, std::size_t k) {
  return k < s.split ? s.lo + r * s.lo_stride + 2 * k : s.hi + r * s.hi_stride + 2 * (k - s.split);
}

}  // namespace

RealFftPlan::RealFftPlan(std::size_t n) : plan_(n) {}

void RealFftPlan::forward_block(const double* in, std::size_t in_stride, std::size_t rows,
                                const HalfSpectra<double>& out, double* scratch) const {
  constexpr std::size_t W = kFftLanes;
  const std::size_t n = size();
  const std::size_t nc = spectrum_size();
  const auto [re, im, wre, wim] = plan_.split_buffers(scratch);
  // Lane l carries row l in its real part and row W + l in its imaginary part;
  // missing rows are zeros.
  for (std::size_t l = 0; l < W; ++l) {
    if (l < rows) {
      const double* a = in + l * in_stride;
      for (std::size_t t = 0; t < n; ++t) re[t * W + l] = a[t];
    } else {
      for (std::size_t t = 0; t < n; ++t) re[t * W + l] = 0.0;
    }
    if (W + l < rows) {
      const double* b = in + (W + l) * in_stride;
      for (std::size_t t = 0; t < n; ++t) im[t * W + l] = b[t];
    } else {
      for (std::size_t t = 0; t < n; ++t) im[t * W + l] = 0.0;
    }
  }
  const bool in_work = plan_.transform_split<W>(re, im, wre, wim);
  const double* zr = in_work ? wre : re;
  const double* zi = in_work ? wim : im;
  for (std::size_t l = 0; l < W && l < rows; ++l) {
    const bool has_b = W + l < rows;
    for (std::size_t k = 0; k < nc; ++k) {
      const std::size_t kk = k == 0 ? 0 : n - k;
      const double ar = zr[k * W + l], ai = zi[k * W + l];
      const double br = zr[kk * W + l], bi = zi[kk * W + l];
      double* A = bin_ptr(out, l, k);
      A[0] = 0.5 * (ar + br);
      A[1] = 0.5 * (ai - bi);
      if (has_b) {
        double* B = bin_ptr(out, W + l, k);
        B[0] = 0.5 * (ai + bi);
        B[1] = 0.5 * (br - ar);
      }
    }
  }
}

void RealFftPlan::inverse_block(const HalfSpectra<const double>& in, std::size_t rows,
                                double* out, std::size_t out_stride, double scale,
                                double* scratch) const {
  constexpr std::size_t W = kFftLanes;
  const std::size_t n = size();
  const std::size_t nc = spectrum_size();
  const auto [re, im, wre, wim] = plan_.split_buffers(scratch);
  for (std::size_t l = 0; l < W; ++l) {
    const bool has_a = l < rows;
    const bool has_b = W + l < rows;
    // Z[k] = A[k] + i B[k]; A[0] and (even n) A[n/2] taken as real.
    {
      const double ar = has_a ? bin_ptr(in, l, 0)[0] : 0.0;
      const double br = has_b ? bin_ptr(in, W + l, 0)[0] : 0.0;
      re[l] = ar;
      im[l] = br;
    }
    for (std::size_t k = 1; k < nc; ++k) {
      double ar = 0.0, ai = 0.0, br = 0.0, bi = 0.0;
      if (has_a) {
        const double* A = bin_ptr(in, l, k);
        ar = A[0];
        ai = A[1];
      }
      if (has_b) {
        const double* B = bin_ptr(in, W + l, k);
        br = B[0];
        bi = B[1];
      }
      const std::size_t kk = n - k;
      if (kk == k) {  // Nyquist bin of even n: real
        re[k * W + l] = ar;
        im[k * W + l] = br;
        continue;
      }
      re[k * W + l] = ar - bi;
      im[k * W + l] = ai + br;
      // Z[n-k] = conj(A[k]) + i conj(B[k])
      re[kk * W + l] = ar + bi;
      im[kk * W + l] = br - ai;
    }
  }
  // Backward transform = forward transform with real and imaginary swapped.
  const bool in_work = plan_.transform_split<W>(im, re, wim, wre);
  const double* xr = in_work ? wre : re;
  const double* xi = in_work ? wim : im;
  for (std::size_t l = 0; l < W && l < rows; ++l) {
    double* a = out + l * out_stride;
    for (std::size_t t = 0; t < n; ++t) a[t] = scale * xr[t * W + l];
    if (W + l < rows) {
      double* b = out + (W + l) * out_stride;
      for (std::size_t t = 0; t < n; ++t) b[t] = scale * xi[t * W + l];
    }
  }
}

void RealFftPlan::forward(const double* in, std::complex<double>* out, std::size_t count,
                          int threads) const {
  const std::size_t n = size();
  const std::size_t nc = spectrum_size();
  double* dst = reinterpret_cast<double*>(out);
  const std::size_t blocks = (count + block_rows - 1) / block_rows;
  const int nthreads = thread_count(threads);
  FftScratch scratch(scratch_size() * static_cast<std::size_t>(nthreads));
  const auto run = [&](std::size_t b, double* work) {
    const std::size_t r0 = b * block_rows;
    const std::size_t rows = std::min(block_rows, count - r0);
    const HalfSpectra<double> spec{dst + r0 * 2 * nc, 2 * nc, nullptr, 0, nc};
    forward_block(in + r0 * n, n, rows, spec, work);
  };
  if (nthreads == 1) {
    for (std::size_t b = 0; b < blocks; ++b) run(b, scratch.data());
    return;
  }
#pragma omp parallel for schedule(static) num_threads(nthreads)
  for (std::ptrdiff_t b = 0; b < static_cast<std::ptrdiff_t>(blocks); ++b)
    run(static_cast<std::size_t>(b), scratch.data() + scratch_size() * thread_index());
}

void RealFftPlan::inverse(const std::complex<double>* in, double* out, std::size_t count,
                          int threads) const {
  const std::size_t n = size();
  const std::size_t nc = spectrum_size();
  const double* src = reinterpret_cast<const double*>(in);
  const std::size_t blocks = (count + block_rows - 1) / block_rows;
  const int nthreads = thread_count(threads);
  FftScratch scratch(scratch_size() * static_cast<std::size_t>(nthreads));
  const double scale = 1.0 / static_cast<double>(n);
  const auto run = [&](std::size_t b, double* work) {
    const std::size_t r0 = b * block_rows;
    const std::size_t rows = std::min(block_rows, count - r0);
    const HalfSpectra<const double> spec{src + r0 * 2 * nc, 2 * nc, nullptr, 0, nc};
    inverse_block(spec, rows, out + r0 * n, n, scale, work);
  };
  if (nthreads == 1) {
    for (std::size_t b = 0; b < blocks; ++b) run(b, scratch.data());
    return;
  }
#pragma omp parallel for schedule(static) num_threads(nthreads)
  for (std::ptrdiff_t b = 0; b < static_cast<std::ptrdiff_t>(blocks); ++b)
    run(static_cast<std::size_t>(b), scratch.data() + scratch_size() * thread_index());
}

}  // namespace polychrome
