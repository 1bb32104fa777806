// The checks of the C++ test programs: a failed check prints a line and is counted; main() returns
// verdict(), 0 when every check passed.
#pragma once

#include <cstdio>

namespace test_checks {

inline int failures = 0;  // this program's failed checks

inline void check(bool ok, const char* what) {
  if (!ok) {
    std::printf("FAIL %s\n", what);
    ++failures;
  }
}

/// Prints "<name>: all checks passed" when none failed; the program's exit status.
inline int verdict(const char* name) {
  if (failures == 0) std::printf("%s: all checks passed\n", name);
  return failures == 0 ? 0 : 1;
}

}  // namespace test_checks
