#include "polychrome/build_info.hpp"

#include "polychrome_build_config.hpp"

namespace polychrome {

BuildInfo build_info() {
  BuildInfo info;
  info.compiler = POLYCHROME_BUILD_COMPILER;
  info.compiler_version = POLYCHROME_BUILD_COMPILER_VERSION;
  info.build_type = POLYCHROME_BUILD_TYPE;
  info.processor = POLYCHROME_BUILD_PROCESSOR;
  info.common_flags = POLYCHROME_BUILD_COMMON_FLAGS;
  info.openmp = POLYCHROME_BUILD_OPENMP;
  info.native = POLYCHROME_NATIVE != 0;
  // "level=flags;level=flags;..."
  const std::string text = POLYCHROME_BUILD_LEVEL_FLAGS;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(';', start);
    if (end == std::string::npos) end = text.size();
    const std::string item = text.substr(start, end - start);
    const std::size_t eq = item.find('=');
    info.level_flags.emplace_back(item.substr(0, eq), eq == std::string::npos ? "" : item.substr(eq + 1));
    start = end + 1;
  }
  return info;
}

}  // namespace polychrome
