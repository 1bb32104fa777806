// OpenMP thread helpers shared by the FFT sources (internal header). With
// OpenMP absent everything runs on the calling thread.
#pragma once

#include <cstddef>

#include "polychrome/threads.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace polychrome::fft_detail {

/// Threads for a transform of `points` points in all: threads > 1 asks for
/// up to that many, bounded as every parallel region is (team_size: none
/// for work too small to pay for them); anything else means one.
inline int thread_count(int threads, std::size_t points) {
#ifdef _OPENMP
  return team_size(threads, points, kMinFftPointsPerThread);
#else
  (void)threads;
  (void)points;
  return 1;
#endif
}

/// Index of the calling thread inside a parallel region (0 outside).
inline int thread_index() {
#ifdef _OPENMP
  return omp_get_thread_num();
#else
  return 0;
#endif
}

}  // namespace polychrome::fft_detail
