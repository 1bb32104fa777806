#include "polychrome/normal_equations.hpp"

#include <algorithm>
#include <vector>

#include "polychrome/threads.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace polychrome {

void accumulate_normal_equations(const double* residual, const double* weight,
                                 const double* jacobian, std::size_t n, std::size_t p,
                                 double* chi2, double* gradient, double* hessian, int threads) {
  // Blocks of pixels small enough that the p rows of a block stay in L1
  // while every (k, l) pair is formed from them.
  constexpr std::size_t kBlock = 512;
  const std::size_t blocks = (n + kBlock - 1) / kBlock;
  // A thread pays from a few blocks on (p = 7: ~10 us per block).
  constexpr std::size_t kMinBlocksPerThread = 16;
  const int nthreads = team_size(threads, blocks, kMinBlocksPerThread);
  const std::size_t stride = 1 + p + p * p;  // one thread's partial sums
  std::vector<double> partial(static_cast<std::size_t>(nthreads) * stride, 0.0);
  ParallelExceptions errors;
#pragma omp parallel num_threads(nthreads) if (nthreads > 1)
  {
    int id = 0;
#ifdef _OPENMP
    id = omp_get_thread_num();
#endif
    double* mine = partial.data() + static_cast<std::size_t>(id) * stride;
    std::vector<double> wj;
    errors.run([&] { wj.resize(p * kBlock); });
#pragma omp for schedule(static)
    for (std::ptrdiff_t b = 0; b < static_cast<std::ptrdiff_t>(blocks); ++b) {
      if (wj.empty() && p > 0) continue;  // its allocation failed: rethrown below
      const std::size_t start = static_cast<std::size_t>(b) * kBlock;
      const std::size_t len = std::min(kBlock, n - start);
      double c = 0.0;
      for (std::size_t i = 0; i < len; ++i) c += weight[start + i] * residual[start + i] * residual[start + i];
      mine[0] += c;
      for (std::size_t k = 0; k < p; ++k) {
        const double* jk = jacobian + k * n + start;
        double* wk = wj.data() + k * kBlock;
        double g = 0.0;
        for (std::size_t i = 0; i < len; ++i) {
          wk[i] = weight[start + i] * jk[i];
          g += wk[i] * residual[start + i];
        }
        mine[1 + k] += g;
      }
      for (std::size_t k = 0; k < p; ++k) {
        const double* wk = wj.data() + k * kBlock;
        for (std::size_t l = 0; l <= k; ++l) {
          const double* jl = jacobian + l * n + start;
          double h = 0.0;
          for (std::size_t i = 0; i < len; ++i) h += wk[i] * jl[i];
          mine[1 + p + k * p + l] += h;
        }
      }
    }
  }
  errors.rethrow();
  for (int t = 0; t < nthreads; ++t) {
    const double* part = partial.data() + static_cast<std::size_t>(t) * stride;
    *chi2 += part[0];
    for (std::size_t k = 0; k < p; ++k) gradient[k] += part[1 + k];
    for (std::size_t k = 0; k < p; ++k)
      for (std::size_t l = 0; l <= k; ++l) {
        hessian[k * p + l] += part[1 + p + k * p + l];
        if (l != k) hessian[l * p + k] += part[1 + p + k * p + l];
      }
  }
}

}  // namespace polychrome
