// How many threads "all cores" means.
#pragma once

#include <cstdlib>
#include <thread>

namespace polychrome {

/// Threads to use for a request: requested > 0 is taken as is; otherwise
/// OMP_NUM_THREADS when the user set it, else every core. Deliberately not
/// omp_get_max_threads(): other libraries in the same process (pyimfit, for
/// one) lower that process-wide setting, which would silently make
/// polychrome single-threaded after they run.
inline int resolve_threads(int requested) {
  if (requested > 0) return requested;
  if (const char* env = std::getenv("OMP_NUM_THREADS")) {
    const int n = std::atoi(env);
    if (n > 0) return n;
  }
  const unsigned cores = std::thread::hardware_concurrency();
  return cores > 0 ? static_cast<int>(cores) : 1;
}

}  // namespace polychrome
