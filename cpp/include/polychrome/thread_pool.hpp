// Parallel loops on a process-wide pool of helper threads, built so that a
// loaded machine cannot make them slower than one thread: the calling thread
// works through the tasks itself, helpers join when they get a CPU, and the
// call never waits for a helper that has not started a task (an OpenMP
// region's join waits for every thread of its team, however late it is
// scheduled). Helpers sleep on a condition variable (no spinning), and a
// child made by fork() runs every loop on its calling thread (the parent's
// helpers do not exist there).
#pragma once

#include <cstddef>

namespace polychrome {

namespace detail {

using TaskFunction = void (*)(const void* body, std::size_t task, int slot);

/// The pool side of parallel_for (threads > 1, tasks > 1).
void run_parallel(std::size_t tasks, int threads, TaskFunction run_task, const void* body);

}  // namespace detail

/// Helper threads of this process's pool that are awake now (working on a
/// loop or polling for the next one, not asleep); 0 in a fork child or before
/// the pool has started. The machine's count of runnable threads includes
/// them: a caller that reads that count to see how busy the machine is must
/// not count its own helpers as other work.
int awake_pool_helpers() noexcept;

/// Runs body(task, slot) for every task in [0, tasks) on up to `threads`
/// threads (the caller and threads - 1 pool helpers); tasks are claimed one
/// at a time, so make each a few microseconds of work or more. `slot`, in
/// [0, threads), is unique among the threads running this loop at once:
/// index per-thread scratch with it. The first exception a task throws is
/// rethrown once every started task has finished; tasks not yet started are
/// then skipped. Returns when all tasks are done; safe to call from several
/// threads at once and from inside a task.
template <class Body>
void parallel_for(std::size_t tasks, int threads, const Body& body) {
  if (threads <= 1 || tasks <= 1) {
    for (std::size_t t = 0; t < tasks; ++t) body(t, 0);
    return;
  }
  detail::run_parallel(
      tasks, threads,
      [](const void* b, std::size_t task, int slot) { (*static_cast<const Body*>(b))(task, slot); },
      &body);
}

}  // namespace polychrome
