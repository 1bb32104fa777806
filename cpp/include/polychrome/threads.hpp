// How many threads "all cores" means.
#pragma once

#include <atomic>
#include <cstdlib>
#include <exception>
#include <mutex>
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

/// Carries the first exception thrown inside an OpenMP region out of it.
/// An exception must not leave a parallel region or a worksharing loop: the
/// runtime would terminate the process, which for a Python caller is a crash
/// of the interpreter (std::bad_alloc from a huge allocation, say) instead of
/// a MemoryError. Each region runs its pieces of work through run(), which
/// skips the remaining pieces once one has failed, and calls rethrow() after
/// the region.
class ParallelExceptions {
 public:
  /// Run `work` unless an earlier piece failed; false when it was skipped or threw.
  template <class Work>
  bool run(Work&& work) noexcept {
    if (failed_.load(std::memory_order_relaxed)) return false;
    try {
      work();
      return true;
    } catch (...) {
      const std::lock_guard<std::mutex> lock(mutex_);
      if (!first_) first_ = std::current_exception();
      failed_.store(true, std::memory_order_relaxed);
      return false;
    }
  }

  /// Throw the first exception caught, if any (call after the region).
  void rethrow() const {
    if (first_) std::rethrow_exception(first_);
  }

 private:
  std::mutex mutex_;
  std::exception_ptr first_;
  std::atomic<bool> failed_{false};
};

}  // namespace polychrome
