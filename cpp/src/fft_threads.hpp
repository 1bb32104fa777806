// Thread helpers shared by the FFT sources (internal header).
#pragma once

#include <cstddef>

#include "polychrome/thread_pool.hpp"
#include "polychrome/threads.hpp"

namespace polychrome::fft_detail {

/// Threads for a transform of `points` points in all: threads > 1 asks for
/// up to that many, bounded as every parallel loop is (team_size: none for
/// work too small to pay for them); anything else means one.
inline int thread_count(int threads, std::size_t points) {
  return team_size(threads, points, kMinFftPointsPerThread);
}

/// Runs body(task, work) for task in [0, tasks) on nthreads threads, each
/// thread with its own slice of scratch (per_thread doubles) as `work`.
template <typename Body>
void for_each_task(std::size_t tasks, int nthreads, double* scratch, std::size_t per_thread,
                   const Body& body) {
  parallel_for(tasks, nthreads,
               [&](std::size_t task, int slot) { body(task, scratch + per_thread * static_cast<std::size_t>(slot)); });
}

}  // namespace polychrome::fft_detail
