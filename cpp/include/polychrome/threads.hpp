// Thread counts of parallel loops, and exceptions out of them.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>

namespace polychrome {

/// Most threads one parallel loop uses, whatever a caller asks (per-thread
/// scratch is allocated per thread asked for; the OpenMP runtime used before
/// the pool crashed when asked for 100000). Python's polychrome.thread_policy
/// refuses such requests and caps the rest at the CPUs the process may use;
/// this bound protects C++ callers.
constexpr int kMaxThreads = 1024;

/// Threads for one parallel loop over `work` units (pixels, FFT points,
/// pixel blocks), each thread getting at least `min_work_per_thread` units:
/// below that, starting and joining a thread costs more than it saves, and
/// on a loaded machine every join waits for the slowest, possibly
/// descheduled, thread. `threads` is the count the caller resolved (from
/// Python: polychrome.thread_policy, the one place that decides it); values
/// below 1 mean one thread. The core holds no thread setting of its own.
inline int team_size(int threads, std::size_t work, std::size_t min_work_per_thread) {
  if (threads <= 1) return 1;
  const std::size_t useful = work / std::max<std::size_t>(min_work_per_thread, 1);
  const std::size_t bound = std::min<std::size_t>({useful, static_cast<std::size_t>(threads),
                                                   static_cast<std::size_t>(kMaxThreads)});
  return std::max(1, static_cast<int>(bound));
}

/// Work units per thread below which a thread does not pay: each thread's
/// share should be ~0.2 ms or more, well above the 10-50 us a sleeping
/// helper takes to wake and the cost of a wait for a late one.
/// Pixels of adaptive rendering (~25 ns each at tolerance 1e-5).
constexpr std::size_t kMinRenderPixelsPerThread = 8192;
/// Points of FFT and of the element-wise passes around it (~3 ns each).
constexpr std::size_t kMinFftPointsPerThread = std::size_t{1} << 15;

/// Carries the first exception thrown by a task of a parallel loop (see
/// thread_pool.hpp) to the loop's caller. An exception must not leave a
/// helper thread: std::terminate would end the process, which for a Python
/// caller is a crash of the interpreter (std::bad_alloc from a huge
/// allocation, say) instead of a MemoryError. Each task runs through run(),
/// which skips the remaining tasks once one has failed; the caller calls
/// rethrow() when every task has finished.
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
