// Python access to the normal-equation accumulation used by the fitter.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <stdexcept>
#include <string>

#include "polychrome/normal_equations.hpp"
#include "thread_count.hpp"

namespace py = pybind11;

namespace {

using Array = py::array_t<double, py::array::c_style | py::array::forcecast>;

py::tuple normal_equations_py(const Array& residual, const Array& weight, const Array& jacobian,
                              const py::object& threads) {
  if (residual.ndim() != 1 || weight.ndim() != 1 || jacobian.ndim() != 2)
    throw std::invalid_argument("residual and weight must be 1-D and jacobian 2-D (parameters x pixels)");
  const std::size_t n = static_cast<std::size_t>(residual.shape(0));
  const std::size_t p = static_cast<std::size_t>(jacobian.shape(0));
  if (static_cast<std::size_t>(weight.shape(0)) != n || static_cast<std::size_t>(jacobian.shape(1)) != n)
    throw std::invalid_argument("residual, weight and the jacobian's rows must have the same length, got " +
                                std::to_string(n) + ", " + std::to_string(weight.shape(0)) + ", " +
                                std::to_string(jacobian.shape(1)));
  py::array_t<double> gradient(static_cast<py::ssize_t>(p));
  py::array_t<double> hessian({static_cast<py::ssize_t>(p), static_cast<py::ssize_t>(p)});
  const int nthreads =
      polychrome_bindings::resolve_threads(threads, polychrome::normal_equations_could_use_threads(n));
  double chi2 = 0.0;
  double* g = gradient.mutable_data();
  double* h = hessian.mutable_data();
  std::fill(g, g + p, 0.0);
  std::fill(h, h + p * p, 0.0);
  {
    py::gil_scoped_release release;
    polychrome::accumulate_normal_equations(residual.data(), weight.data(), jacobian.data(), n, p,
                                            &chi2, g, h, nthreads);
  }
  return py::make_tuple(chi2, gradient, hessian);
}

}  // namespace

void bind_normal_equations(py::module_& m) {
  m.def("normal_equations", &normal_equations_py, py::arg("residual"), py::arg("weight"),
        py::arg("jacobian"), py::arg("threads") = py::none(),
        "(chi2, J W r, J W J^T) of one window: residual, weight (n,), jacobian (p, n).");
}
