// The _core extension module: one registration function per concept.
#include <pybind11/pybind11.h>

#include "polychrome/cpu_kernels.hpp"
#include "polychrome/thread_pool.hpp"

namespace py = pybind11;

void bind_airy(py::module_& m);
void bind_build_info(py::module_& m);
void bind_fft(py::module_& m);
void bind_initialization(py::module_& m);
void bind_lm_step(py::module_& m);
void bind_psf(py::module_& m);
void bind_normal_equations(py::module_& m);
void bind_pixelated(py::module_& m);
void bind_render(py::module_& m);
void bind_special_functions(py::module_& m);

PYBIND11_MODULE(_core, m) {
  m.doc() = "polychrome C++ core: profile rendering, Jacobians, PSF convolution, special functions";
  // The CPU level is chosen here, once: a bad POLYCHROME_CPU fails the import
  // with its message, not the first render.
  polychrome::cpu_choice();
  bind_airy(m);
  bind_build_info(m);
  bind_fft(m);
  bind_initialization(m);
  bind_lm_step(m);
  bind_psf(m);
  bind_normal_equations(m);
  bind_pixelated(m);
  bind_render(m);
  bind_special_functions(m);
  m.def("awake_pool_helpers", &polychrome::awake_pool_helpers,
        "Helper threads of the core's pool awake now (working or polling, not asleep): threads "
        "the machine's runnable count includes that are this process's own.");
}
