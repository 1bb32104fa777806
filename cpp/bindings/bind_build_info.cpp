// Python access to how the core was built and which CPU level it runs.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "polychrome/build_info.hpp"
#include "polychrome/cpu_kernels.hpp"

namespace py = pybind11;

namespace {

py::dict build_info_py() {
  const polychrome::BuildInfo info = polychrome::build_info();
  const polychrome::CpuChoice& choice = polychrome::cpu_choice();
  py::dict flags;
  py::list levels;
  py::dict supported;
  for (const auto& [level, level_flags] : info.level_flags) {
    flags[py::str(level)] = level_flags;
    levels.append(level);
    supported[py::str(level)] = polychrome::cpu_supports_level(level);
  }
  py::dict d;
  d["compiler"] = info.compiler;
  d["compiler_version"] = info.compiler_version;
  d["build_type"] = info.build_type;
  d["processor"] = info.processor;
  d["flags"] = info.common_flags;
  d["level_flags"] = flags;
  d["openmp"] = info.openmp;
  d["native"] = info.native;
  d["levels"] = levels;
  d["cpu_supports"] = supported;
  d["level"] = choice.kernels->level;
  d["reason"] = choice.reason;
  return d;
}

}  // namespace

void bind_build_info(py::module_& m) {
  m.def("build_info", &build_info_py,
        "How the core was built and runs: compiler, flags, OpenMP, the CPU levels compiled, "
        "the level in use and why (see polychrome.build_info).");
}
