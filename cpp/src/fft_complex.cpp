// Complex FFT for sizes 2^a 3^b 5^c: a self-sorting (Stockham) iterative
// decimation-in-time transform over lane-interleaved split arrays.
//
// The algorithm (derived here, standard textbook material, e.g. Van Loan,
// "Computational Frameworks for the FFT", ch. 1.7): for l | n, m = n/l, let
//   A_l[j][k] = sum_{t<l} x[j + m t] w_l^{t k},   j < m, k < l,  w_l = e^{-2 pi i/l}
// be the length-l DFTs of the m stride-m subsequences. A_1[j][0] = x[j] and
// A_n[0][k] = X[k]. One stage of radix p goes from l to L = l p (m -> M = m/p):
//   A_L[j][k1 + l k2] = sum_{r<p} w_p^{r k2} (w_L^{r k1} A_l[j + M r][k1]),
// a radix-p butterfly on twiddled inputs. Storing A_l[j][k] at index j + m k
// makes both the inputs (j + M (r + p k1)) and the outputs (j + M (k1 + l k2))
// contiguous in j, and in lanes: the innermost loop of every stage runs over
// M * W contiguous doubles with a single broadcast twiddle. No bit reversal is
// needed (the ordering sorts itself), at the price of ping-ponging between two
// buffers.
#include <cmath>
#include <stdexcept>
#include <string>

#include "fft_threads.hpp"
#include "polychrome/cpu_kernels.hpp"
#include "polychrome/fft.hpp"

namespace polychrome {

using fft_detail::for_each_task;
using fft_detail::thread_count;

namespace {

constexpr double kPi = 3.14159265358979323846264338327950288;
// Radices in the order the stages apply them: radix 4 as often as possible
// (fewest passes over memory for powers of two), one radix 2 for an odd power
// of two, then 3s and 5s.
std::vector<int> factorize(std::size_t n) {
  std::vector<int> radices;
  while (n % 4 == 0) {
    radices.push_back(4);
    n /= 4;
  }
  if (n % 2 == 0) {
    radices.push_back(2);
    n /= 2;
  }
  while (n % 3 == 0) {
    radices.push_back(3);
    n /= 3;
  }
  while (n % 5 == 0) {
    radices.push_back(5);
    n /= 5;
  }
  return radices;
}

}  // namespace

ComplexFftPlan::ComplexFftPlan(std::size_t n) : n_(n) {
  if (!is_fast_fft_size(n))
    throw std::invalid_argument("FFT size " + std::to_string(n) +
                                " is not of the form 2^a 3^b 5^c (>= 1); pad to "
                                "next_fast_size(" +
                                std::to_string(n) + ")");
  std::size_t done = 1;
  for (const int p : factorize(n)) {
    const std::size_t L = done * p;
    Stage s{p, done, n / L, twiddle_re_.size()};
    // w_L^{r k1} for k1 < l, r = 1..p-1, the angle reduced exactly (integer
    // arithmetic) before the one rounding in 2 pi idx / L.
    for (std::size_t k1 = 0; k1 < done; ++k1)
      for (int r = 1; r < p; ++r) {
        const std::size_t idx = (static_cast<std::size_t>(r) * k1) % L;
        const double angle = -2.0 * kPi * static_cast<double>(idx) / static_cast<double>(L);
        twiddle_re_.push_back(std::cos(angle));
        twiddle_im_.push_back(std::sin(angle));
      }
    stages_.push_back(s);
    done = L;
  }
  twiddle_re_float_.assign(twiddle_re_.begin(), twiddle_re_.end());
  twiddle_im_float_.assign(twiddle_im_.begin(), twiddle_im_.end());
}

template <typename T>
ComplexFftPlan::SplitBuffers<T> ComplexFftPlan::split_buffers(T* scratch) const noexcept {
  const std::size_t step = n_ * kRegisterLanes<T> + kSplitPadBytes / sizeof(T);
  return {scratch, scratch + step, scratch + 2 * step, scratch + 3 * step};
}

template ComplexFftPlan::SplitBuffers<double> ComplexFftPlan::split_buffers(double*) const noexcept;
template ComplexFftPlan::SplitBuffers<float> ComplexFftPlan::split_buffers(float*) const noexcept;

template <int W>
bool ComplexFftPlan::transform_split(double* re, double* im, double* work_re,
                                     double* work_im) const {
  const CpuKernels& k = cpu_kernels();
  return (W == 1 ? k.fft_split_single : k.fft_split_lanes)(*this, re, im, work_re, work_im);
}

template bool ComplexFftPlan::transform_split<1>(double*, double*, double*, double*) const;
template bool ComplexFftPlan::transform_split<kFftLanes>(double*, double*, double*,
                                                         double*) const;

void ComplexFftPlan::transform_lanes(const FftLanesIn& in, const FftLanesOut& out,
                                     FftDirection direction, double scale,
                                     double* scratch) const {
  cpu_kernels().fft_lanes(*this, in, out, direction, scale, scratch);
}

void ComplexFftPlan::transform_single(const double* in, double* out, FftDirection direction,
                                      double scale, double* scratch) const {
  cpu_kernels().fft_single(*this, in, out, direction, scale, scratch);
}

void ComplexFftPlan::transform(const std::complex<double>* in, std::complex<double>* out,
                               std::size_t count, FftDirection direction, double scale,
                               int threads) const {
  if (count == 0) return;
  // Blocks of kFftLanes sequences; a sequence of n complex numbers is a
  // "column" of stride 2 doubles.
  const std::size_t blocks = (count + kFftLanes - 1) / kFftLanes;
  const int nthreads = thread_count(threads, count * n_);
  const std::size_t per_thread = scratch_size();
  FftScratch scratch(per_thread * static_cast<std::size_t>(nthreads));
  const double* src = reinterpret_cast<const double*>(in);
  double* dst = reinterpret_cast<double*>(out);
  const std::size_t n = n_;
  const auto run_block = [&](std::size_t b, double* work) {
    const std::size_t first = b * kFftLanes;
    if (count - first <= kSingleLaneMax) {
      // A few sequences: one lane each, the kernel vectorising along the
      // sequence instead of across 8 lanes of mostly zeros.
      for (std::size_t q = first; q < count; ++q)
        transform_single(src + 2 * n * q, dst + 2 * n * q, direction, scale, work);
      return;
    }
    FftLanesIn lin;
    FftLanesOut lout;
    const int lanes = static_cast<int>(std::min<std::size_t>(kFftLanes, count - first));
    lin.count = lout.count = lanes;
    for (int l = 0; l < lanes; ++l) {
      lin.base[l] = src + 2 * n * (first + l);
      lin.stride[l] = 2;
      lout.base[l] = dst + 2 * n * (first + l);
      lout.stride[l] = 2;
    }
    transform_lanes(lin, lout, direction, scale, work);
  };
  for_each_task(blocks, nthreads, scratch.data(), per_thread, run_block);
}

}  // namespace polychrome
