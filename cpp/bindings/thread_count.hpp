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
  return pybind11::module_::import("polychrome.thread_policy")
      .attr("resolve_threads")(threads)
      .cast<int>();
}

}  // namespace polychrome_bindings
