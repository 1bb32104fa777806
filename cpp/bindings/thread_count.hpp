// The thread count of a call from Python, decided by polychrome.thread_policy
// (the one place that decides it: explicit request, user setting,
// OMP_NUM_THREADS, usable CPUs; one thread in a fork child). Shared by every
// binding that takes `threads`, so that all of them accept, refuse and cap
// the same values. Call with the GIL held.
#pragma once

#include <pybind11/pybind11.h>

namespace polychrome_bindings {

/// threads: the call's `threads=` argument as given (None or 0: not given).
/// Raises ValueError (from Python) for a negative, too large or non-integer value.
inline int resolve_threads(const pybind11::object& threads) {
  // an explicit 1 (a Python int) is always 1, without asking Python (~5 us a call: initialize()'s
  // candidate renders ask it with threads=1, ~3.5 times a survey source)
  // (AsLongAndOverflow: a huge int overflows without leaving an exception set; Python judges it)
  if (PyLong_CheckExact(threads.ptr())) {
    int overflow = 0;
    if (PyLong_AsLongAndOverflow(threads.ptr(), &overflow) == 1 && overflow == 0) return 1;
  }
  return pybind11::module_::import("polychrome.thread_policy")
      .attr("resolve_threads")(threads)
      .cast<int>();
}

/// The same for a call that knows whether its work could use threads at all: when `useful` is
/// false (every parallel loop of the call would run on one thread whatever the count, see
/// polychrome::team_size) and `threads` was not given, one thread, without asking Python
/// (~5 us a call, as much as the core's own work on a small cutout). A given `threads` is
/// still checked there.
inline int resolve_threads(const pybind11::object& threads, bool useful) {
  if (!useful && threads.is_none()) return 1;
  return resolve_threads(threads);
}

}  // namespace polychrome_bindings
