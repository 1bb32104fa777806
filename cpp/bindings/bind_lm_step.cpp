// Python access to the Levenberg-Marquardt step's small-matrix arithmetic (the loop is
// python/polychrome/fit/levenberg_marquardt.py).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <stdexcept>
#include <string>

#include "polychrome/lm_secant.hpp"
#include "polychrome/lm_step.hpp"

namespace py = pybind11;

namespace {

using Array = py::array_t<double, py::array::c_style | py::array::forcecast>;

void require_length(const Array& values, std::size_t size, const char* name) {
  if (values.ndim() != 1 || static_cast<std::size_t>(values.shape(0)) != size)
    throw std::invalid_argument(std::string(name) + " must have shape (" + std::to_string(size) + ",)");
}

void require_square(const Array& matrix, std::size_t size, const char* name) {
  if (matrix.ndim() != 2 || static_cast<std::size_t>(matrix.shape(0)) != size ||
      static_cast<std::size_t>(matrix.shape(1)) != size)
    throw std::invalid_argument(std::string(name) + " must have shape (" + std::to_string(size) + ", " +
                                std::to_string(size) + ")");
}

// The quadratic model of (hessian, gradient), their shapes checked.
polychrome::lm::QuadraticModel quadratic_model(const Array& hessian, const Array& gradient) {
  if (gradient.ndim() != 1) throw std::invalid_argument("gradient must be 1-D");
  const auto size = static_cast<std::size_t>(gradient.shape(0));
  require_square(hessian, size, "hessian");
  return {hessian.data(), gradient.data(), size};
}

double attainable_decrease_py(const Array& hessian, const Array& gradient, const Array& diag, double damping,
                              const Array& x, const Array& lower, const Array& upper) {
  const auto model = quadratic_model(hessian, gradient);
  require_length(diag, model.size, "diag");
  require_length(x, model.size, "x");
  require_length(lower, model.size, "lower");
  require_length(upper, model.size, "upper");
  return polychrome::lm::attainable_decrease(model, diag.data(), damping, x.data(), lower.data(), upper.data());
}

py::tuple damped_step_py(const Array& hessian, const Array& gradient, const Array& diag, double damping,
                         const py::object& secant, bool augmented, const Array& x, const Array& lower,
                         const Array& upper, const py::object& cyclic_span, double fraction) {
  const auto model = quadratic_model(hessian, gradient);
  require_length(diag, model.size, "diag");
  require_length(x, model.size, "x");
  require_length(lower, model.size, "lower");
  require_length(upper, model.size, "upper");
  Array secant_array, span_array;
  if (!secant.is_none()) {
    secant_array = secant.cast<Array>();
    require_square(secant_array, model.size, "secant");
  }
  if (!cyclic_span.is_none()) {
    span_array = cyclic_span.cast<Array>();
    require_length(span_array, model.size, "cyclic_span");
  }
  const polychrome::lm::StepLimits limits{lower.data(), upper.data(),
                                          cyclic_span.is_none() ? nullptr : span_array.data()};
  py::array_t<double> step(static_cast<py::ssize_t>(model.size));
  const auto outcome = polychrome::lm::damped_step(model, diag.data(), damping,
                                                   secant.is_none() ? nullptr : secant_array.data(), augmented,
                                                   x.data(), limits, fraction, step.mutable_data());
  return py::make_tuple(step, outcome.augmented, outcome.gauss_newton_decrease, outcome.secant_curvature);
}

bool secant_update_py(py::array_t<double, py::array::c_style> secant, bool sized, const Array& step,
                      const Array& gradient_old, const Array& gradient_new, const Array& hessian_new) {
  const auto model = quadratic_model(hessian_new, gradient_new);
  const std::size_t size = model.size;
  if (secant.ndim() != 2 || static_cast<std::size_t>(secant.shape(0)) != size ||
      static_cast<std::size_t>(secant.shape(1)) != size)
    throw std::invalid_argument("secant must have shape (" + std::to_string(size) + ", " + std::to_string(size) +
                                ")");
  require_length(step, size, "step");
  require_length(gradient_old, size, "gradient_old");
  return polychrome::lm::update_secant(secant.mutable_data(), sized, step.data(), gradient_old.data(),
                                       gradient_new.data(), hessian_new.data(), size);
}

}  // namespace

void bind_lm_step(py::module_& m) {
  m.def("lm_attainable_decrease", &attainable_decrease_py, py::arg("hessian"), py::arg("gradient"),
        py::arg("diag"), py::arg("damping"), py::arg("x"), py::arg("lower"), py::arg("upper"),
        "The predicted chi^2 decrease (chi^2 units, >= 0) of the Gauss-Newton step (hessian + damping "
        "diag(diag)) d = gradient from x held within [lower, upper] (the LM's convergence measure; see "
        "lm_step.hpp). hessian: (P, P) J^T W J; gradient: (P,) J^T W (data - model); diag, x, lower, "
        "upper: (P,), +-inf where no limit.");
  m.def("lm_damped_step", &damped_step_py, py::arg("hessian"), py::arg("gradient"), py::arg("diag"),
        py::arg("damping"), py::arg("secant"), py::arg("augmented"), py::arg("x"), py::arg("lower"),
        py::arg("upper"), py::arg("cyclic_span"), py::arg("fraction"),
        "(step, augmented, gauss_newton, secant_curvature): the LM step from x, the solution of "
        "(hessian + damping diag(diag) [+ secant]) d = gradient with each component that would cross a "
        "limit held at `fraction` of the way to it (the others solved again); secant: (P, P) S or None, "
        "added when `augmented` and the sum is positive definite (the returned augmented says so); "
        "cyclic_span: None or (P,), > 0 for a cyclic parameter, whose limits are then x -/+ that span; "
        "gauss_newton: 2 g.d - d.H.d (chi^2 units); secant_curvature: d.S.d (0 without S).");
  m.def("lm_secant_update", &secant_update_py, py::arg("secant"), py::arg("sized"), py::arg("step"),
        py::arg("gradient_old"), py::arg("gradient_new"), py::arg("hessian_new"),
        "NL2SOL's secant update of S ((P, P) float64, C-ordered, updated in place) after the accepted "
        "step, from J^T W r before and after it and J^T W J after; sized: S has had updates (it is "
        "sized by tau first). Returns False, S unchanged, when y.s <= 0.");
}
