// OpenMP thread helpers shared by the FFT sources (internal header). With
// OpenMP absent everything runs on the calling thread.
#pragma once

#ifdef _OPENMP
#include <omp.h>
#endif

namespace polychrome::fft_detail {

/// Threads to use: threads > 1 asks for that many; anything else means one.
inline int thread_count(int threads) {
#ifdef _OPENMP
  return threads > 1 ? threads : 1;
#else
  (void)threads;
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
