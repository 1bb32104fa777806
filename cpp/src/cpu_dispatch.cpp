// The one choice of kernel level per process (see polychrome/cpu_kernels.hpp).
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "polychrome/cpu_kernels.hpp"
#include "polychrome_build_config.hpp"

namespace polychrome {

namespace {

constexpr const char* kVariable = "POLYCHROME_CPU";

struct CompiledLevel {
  const char* name;
  const CpuKernels& (*table)() noexcept;
};

// Lowest first; only the levels this build compiled.
std::vector<CompiledLevel> compiled_levels() {
  std::vector<CompiledLevel> levels;
#if POLYCHROME_HAVE_CPU_BASELINE
  levels.push_back({"baseline", &cpu_baseline::kernel_table});
#endif
#if POLYCHROME_HAVE_CPU_AVX2
  levels.push_back({"avx2", &cpu_avx2::kernel_table});
#endif
#if POLYCHROME_HAVE_CPU_AVX512
  levels.push_back({"avx512", &cpu_avx512::kernel_table});
#endif
#if POLYCHROME_HAVE_CPU_NATIVE
  levels.push_back({"native", &cpu_native::kernel_table});
#endif
  return levels;
}

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
// The CPU's features, checked with the compiler's cpuid helpers (which also
// check that the operating system saves the wide registers).
bool x86_supports(const std::string& level) {
  __builtin_cpu_init();
  if (level == "baseline")  // x86-64-v2 where the build asks for it, else plain x86-64
    return !POLYCHROME_BASELINE_X86_64_V2 || (__builtin_cpu_supports("sse4.2") && __builtin_cpu_supports("popcnt"));
  const bool v3 = __builtin_cpu_supports("avx") && __builtin_cpu_supports("avx2") &&
                  __builtin_cpu_supports("fma") && __builtin_cpu_supports("bmi") &&
                  __builtin_cpu_supports("bmi2");
  if (level == "avx2") return v3;
  if (level == "avx512")
    return v3 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512vl");
  return false;
}
#endif

CpuChoice choose() {
  const std::vector<CompiledLevel> levels = compiled_levels();
  std::vector<std::string> names;
  for (const CompiledLevel& level : levels) names.push_back(level.name);
  const char* forced = std::getenv(kVariable);
  if (forced != nullptr && *forced != '\0') {
    const std::string wanted = forced;
    const std::string allowed =
        "allowed: " + joined(names) + " (the levels this build compiled), or unset for the best this CPU supports";
    for (const CompiledLevel& level : levels) {
      if (wanted != level.name) continue;
      if (!cpu_supports_level(wanted)) {
        std::vector<std::string> usable;
        for (const std::string& name : names)
          if (cpu_supports_level(name)) usable.push_back(name);
        throw std::runtime_error(std::string(kVariable) + "=" + wanted + ": this CPU does not support the " +
                                 wanted + " instructions; allowed here: " + joined(usable));
      }
      return {&level.table(), "forced by " + std::string(kVariable) + "=" + wanted};
    }
    const bool known = wanted == "baseline" || wanted == "avx2" || wanted == "avx512" || wanted == "native";
    throw std::runtime_error(std::string(kVariable) + "=" + wanted +
                             (known ? ": this build has no " + wanted + " kernels; " : ": unknown CPU level; ") +
                             allowed);
  }
  for (auto level = levels.rbegin(); level != levels.rend(); ++level)
    if (cpu_supports_level(level->name)) {
      const std::string reason =
          levels.size() == 1 ? "the only level this build compiled"
                             : "the best of the compiled levels (" + joined(names) + ") that this CPU supports";
      return {&level->table(), reason};
    }
  throw std::runtime_error("this CPU lacks the instructions of every level this build compiled (" +
                           joined(names) + "; baseline is x86-64-v2: SSE4.2 and POPCNT)");
}

}  // namespace

bool cpu_supports_level(const std::string& level) {
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
  if (level == "baseline" || level == "avx2" || level == "avx512") return x86_supports(level);
#endif
  // A native build runs where it was built; elsewhere the baseline has no
  // requirement beyond the architecture.
  return level == "native" || level == "baseline";
}

std::vector<std::string> compiled_cpu_levels() {
  std::vector<std::string> names;
  for (const CompiledLevel& level : compiled_levels()) names.push_back(level.name);
  return names;
}

const CpuKernels* compiled_kernels(const std::string& level) {
  for (const CompiledLevel& compiled : compiled_levels())
    if (level == compiled.name) return &compiled.table();
  return nullptr;
}

const CpuChoice& cpu_choice() {
  static const CpuChoice choice = choose();
  return choice;
}

const CpuKernels& cpu_kernels() { return *cpu_choice().kernels; }

}  // namespace polychrome
