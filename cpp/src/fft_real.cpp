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
// The row blocks are compiled once per CPU level: kernels/fft_real_kernels.cpp.
#include <algorithm>
#include <array>
#include <cstddef>

#include "fft_threads.hpp"
#include "polychrome/cpu_kernels.hpp"
#include "polychrome/fft.hpp"

namespace polychrome {

using fft_detail::for_each_task;
using fft_detail::thread_count;

RealFftPlan::RealFftPlan(std::size_t n) : plan_(n) {}

void RealFftPlan::forward_block(const double* in, std::size_t in_stride, std::size_t rows,
                                const HalfSpectra<double>& out, double* scratch) const {
  cpu_kernels().real_fft.real_forward_block(plan_, in, in_stride, rows, size(), out, scratch);
}

template <typename T>
void RealFftPlan::forward_block(const double* in, std::size_t in_stride, std::size_t rows,
                                std::size_t length, const HalfSpectra<T>& out, T* scratch) const {
  cpu_kernels().real_fft_of<T>().real_forward_block(plan_, in, in_stride, rows, length, out, scratch);
}

template void RealFftPlan::forward_block(const double*, std::size_t, std::size_t, std::size_t,
                                         const HalfSpectra<double>&, double*) const;
template void RealFftPlan::forward_block(const double*, std::size_t, std::size_t, std::size_t,
                                         const HalfSpectra<float>&, float*) const;

void RealFftPlan::inverse_block(const HalfSpectra<const double>& in, std::size_t rows,
                                double* out, std::size_t out_stride, double scale,
                                double* scratch) const {
  cpu_kernels().real_fft.real_inverse_block(plan_, in, rows, out, out_stride, 0, size(), scale, scratch);
}

template <typename T>
void RealFftPlan::inverse_block(const HalfSpectra<const T>& in, std::size_t rows, double* out,
                                std::size_t out_stride, std::size_t first, std::size_t count,
                                double scale, T* scratch) const {
  cpu_kernels().real_fft_of<T>().real_inverse_block(plan_, in, rows, out, out_stride, first, count,
                                                    scale, scratch);
}

template void RealFftPlan::inverse_block(const HalfSpectra<const double>&, std::size_t, double*,
                                         std::size_t, std::size_t, std::size_t, double,
                                         double*) const;
template void RealFftPlan::inverse_block(const HalfSpectra<const float>&, std::size_t, double*,
                                         std::size_t, std::size_t, std::size_t, double,
                                         float*) const;

void RealFftPlan::forward(const double* in, std::complex<double>* out, std::size_t count,
                          int threads) const {
  const std::size_t n = size();
  const std::size_t nc = spectrum_size();
  double* dst = reinterpret_cast<double*>(out);
  const std::size_t blocks = (count + block_rows - 1) / block_rows;
  const int nthreads = thread_count(threads, count * n);
  FftScratch scratch(scratch_size() * static_cast<std::size_t>(nthreads));
  const auto run = [&](std::size_t b, double* work) {
    const std::size_t r0 = b * block_rows;
    const std::size_t rows = std::min(block_rows, count - r0);
    const HalfSpectra<double> spec{dst + r0 * 2 * nc, 2 * nc, nullptr, 0, nc};
    forward_block(in + r0 * n, n, rows, spec, work);
  };
  for_each_task(blocks, nthreads, scratch.data(), scratch_size(), run);
}

void RealFftPlan::inverse(const std::complex<double>* in, double* out, std::size_t count,
                          int threads) const {
  const std::size_t n = size();
  const std::size_t nc = spectrum_size();
  const double* src = reinterpret_cast<const double*>(in);
  const std::size_t blocks = (count + block_rows - 1) / block_rows;
  const int nthreads = thread_count(threads, count * n);
  FftScratch scratch(scratch_size() * static_cast<std::size_t>(nthreads));
  const double scale = 1.0 / static_cast<double>(n);
  const auto run = [&](std::size_t b, double* work) {
    const std::size_t r0 = b * block_rows;
    const std::size_t rows = std::min(block_rows, count - r0);
    const HalfSpectra<const double> spec{src + r0 * 2 * nc, 2 * nc, nullptr, 0, nc};
    inverse_block(spec, rows, out + r0 * n, n, scale, work);
  };
  for_each_task(blocks, nthreads, scratch.data(), scratch_size(), run);
}

}  // namespace polychrome
