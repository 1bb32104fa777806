// How this copy of the core was built: compiler, flags, CPU levels.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace polychrome {

struct BuildInfo {
  std::string compiler;          ///< CMake's compiler id, e.g. "GNU"
  std::string compiler_version;  ///< e.g. "12.2.0"
  std::string build_type;        ///< e.g. "Release"
  std::string processor;         ///< CMAKE_SYSTEM_PROCESSOR of the build, e.g. "x86_64"
  std::string common_flags;      ///< flags of every core source
  std::string openmp;            ///< how OpenMP is used
  bool native = false;           ///< built with POLYCHROME_NATIVE=ON (-march=native)
  /// (level, its extra flags) for each compiled level, lowest first.
  std::vector<std::pair<std::string, std::string>> level_flags;
};

BuildInfo build_info();

}  // namespace polychrome
