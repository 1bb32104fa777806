// The normal-equation accumulation, compiled once per CPU level (see
// polychrome/cpu_kernels.hpp); normal_equations.cpp dispatches here.
#include <algorithm>
#include <vector>

#include "kernels.hpp"
#include "polychrome/normal_equations.hpp"
#include "polychrome/thread_pool.hpp"
#include "polychrome/threads.hpp"

namespace polychrome::POLYCHROME_KERNEL_NAMESPACE {

void accumulate_normal_equations(const double* residual, const double* weight,
                                 const double* jacobian, std::size_t n, std::size_t p,
                                 double* chi2, double* gradient, double* hessian, int threads) {
  constexpr std::size_t kBlock = kNormalEquationsBlock;
  const std::size_t blocks = (n + kBlock - 1) / kBlock;
  constexpr std::size_t kMinBlocksPerThread = kMinNormalEquationsBlocksPerThread;
  const int nthreads = team_size(threads, blocks, kMinBlocksPerThread);
  // Partial sums per chunk of blocks, added in chunk order: the chunks
  // depend on n only, so the result is the same bit for bit whatever the
  // threads and whichever thread takes which chunk.
  constexpr std::size_t kMaxChunks = 64;
  const std::size_t chunks = std::min(kMaxChunks, std::max<std::size_t>(1, blocks / kMinBlocksPerThread));
  const std::size_t blocks_per_chunk = (blocks + chunks - 1) / chunks;
  const std::size_t stride = 1 + p + p * p;  // one chunk's partial sums
  std::vector<double> partial(chunks * stride, 0.0);
  std::vector<std::vector<double>> weighted(static_cast<std::size_t>(nthreads));  // per thread
  parallel_for(chunks, nthreads, [&](std::size_t chunk, int slot) {
    double* mine = partial.data() + chunk * stride;
    std::vector<double>& wj = weighted[static_cast<std::size_t>(slot)];
    wj.resize(p * kBlock);
    const std::size_t last = std::min(blocks, (chunk + 1) * blocks_per_chunk);
    for (std::size_t b = chunk * blocks_per_chunk; b < last; ++b) {
      const std::size_t start = b * kBlock;
      const std::size_t len = std::min(kBlock, n - start);
      // The sums below are reductions: without the simd pragmas (no
      // -ffast-math here) each is one serial chain of dependent additions,
      // latency-bound; with them the compiler keeps a vector of partial
      // sums (a fixed order for a given build and CPU level, so results stay
      // deterministic).
      double c = 0.0;
#pragma omp simd reduction(+ : c)
      for (std::size_t i = 0; i < len; ++i) c += weight[start + i] * residual[start + i] * residual[start + i];
      mine[0] += c;
      for (std::size_t k = 0; k < p; ++k) {
        const double* jk = jacobian + k * n + start;
        double* wk = wj.data() + k * kBlock;
        double g = 0.0;
#pragma omp simd reduction(+ : g)
        for (std::size_t i = 0; i < len; ++i) {
          wk[i] = weight[start + i] * jk[i];
          g += wk[i] * residual[start + i];
        }
        mine[1 + k] += g;
      }
      for (std::size_t k = 0; k < p; ++k) {
        const double* wk = wj.data() + k * kBlock;
        double* row = mine + 1 + p + k * p;
        for (std::size_t l = 0; l <= k; ++l) {
          const double* jl = jacobian + l * n + start;
          double h = 0.0;
#pragma omp simd reduction(+ : h)
          for (std::size_t i = 0; i < len; ++i) h += wk[i] * jl[i];
          row[l] += h;
        }
      }
    }
  });
  for (std::size_t t = 0; t < chunks; ++t) {
    const double* part = partial.data() + t * stride;
    *chi2 += part[0];
    for (std::size_t k = 0; k < p; ++k) gradient[k] += part[1 + k];
    for (std::size_t k = 0; k < p; ++k)
      for (std::size_t l = 0; l <= k; ++l) {
        hessian[k * p + l] += part[1 + p + k * p + l];
        if (l != k) hessian[l * p + k] += part[1 + p + k * p + l];
      }
  }
}

}  // namespace polychrome::POLYCHROME_KERNEL_NAMESPACE
