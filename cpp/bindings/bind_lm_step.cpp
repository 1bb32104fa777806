// Python access to the Levenberg-Marquardt step's small-matrix arithmetic (the loop is
// python/polychrome/fit/levenberg_marquardt.py).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <optional>
#include <stdexcept>
#include <string>

#include "polychrome/lm_secant.hpp"
#include "polychrome/lm_step.hpp"
#include "polychrome/transformed_equations.hpp"

namespace py = pybind11;

namespace {

using Array = py::array_t<double, py::array::c_style | py::array::forcecast>;

// ``values`` as a C-ordered float64 array: itself when it is one, else numpy's conversion of it.
// (Arguments are taken as objects: pybind11's array_t conversion runs numpy's PyArray_FromAny for
// every argument even then, ~1.5k instructions each, more than the step's arithmetic for a few
// parameters.)
Array float64_array(const py::handle& values, const char* name) {
  if (Array::check_(values)) return py::reinterpret_borrow<Array>(values);
  Array converted = Array::ensure(values);
  if (!converted) throw std::invalid_argument(std::string(name) + " must be convertible to a float64 array");
  return converted;
}

// A float64 vector argument of ``size`` values.
Array vector_argument(const py::handle& values, std::size_t size, const char* name) {
  Array array = float64_array(values, name);
  if (array.ndim() != 1 || static_cast<std::size_t>(array.shape(0)) != size)
    throw std::invalid_argument(std::string(name) + " must have shape (" + std::to_string(size) + ",)");
  return array;
}

void require_square(const py::array& matrix, std::size_t size, const char* name) {
  if (matrix.ndim() != 2 || static_cast<std::size_t>(matrix.shape(0)) != size ||
      static_cast<std::size_t>(matrix.shape(1)) != size)
    throw std::invalid_argument(std::string(name) + " must have shape (" + std::to_string(size) + ", " +
                                std::to_string(size) + ")");
}

// A float64 (size, size) matrix argument.
Array matrix_argument(const py::handle& values, std::size_t size, const char* name) {
  Array array = float64_array(values, name);
  require_square(array, size, name);
  return array;
}

// The length of a 1-D array.
std::size_t length_of(const py::array& vector, const char* name) {
  if (vector.ndim() != 1) throw std::invalid_argument(std::string(name) + " must be 1-D");
  return static_cast<std::size_t>(vector.shape(0));
}

// The arguments of one quadratic model: J^T W J (P, P) and J^T W r (P,), kept alive here.
struct QuadraticArguments {
  QuadraticArguments(const py::handle& hessian_values, const py::handle& gradient_values)
      : gradient(float64_array(gradient_values, "gradient")),
        hessian(matrix_argument(hessian_values, length_of(gradient, "gradient"), "hessian")) {}
  std::size_t size() const { return static_cast<std::size_t>(gradient.shape(0)); }
  polychrome::lm::QuadraticModel model() const { return {hessian.data(), gradient.data(), size()}; }

  Array gradient;
  Array hessian;
};

double attainable_decrease_py(const py::object& hessian, const py::object& gradient, const py::object& diag,
                              double damping, const py::object& x, const py::object& lower,
                              const py::object& upper) {
  const QuadraticArguments quadratic(hessian, gradient);
  const std::size_t size = quadratic.size();
  const Array diag_array = vector_argument(diag, size, "diag"), x_array = vector_argument(x, size, "x");
  const Array lower_array = vector_argument(lower, size, "lower"), upper_array = vector_argument(upper, size, "upper");
  return polychrome::lm::attainable_decrease(quadratic.model(), diag_array.data(), damping, x_array.data(),
                                             lower_array.data(), upper_array.data());
}

py::tuple damped_step_py(const py::object& hessian, const py::object& gradient, const py::object& diag,
                         double damping, const py::object& secant, bool augmented, const py::object& x,
                         const py::object& lower, const py::object& upper, const py::object& cyclic_span,
                         double fraction) {
  const QuadraticArguments quadratic(hessian, gradient);
  const std::size_t size = quadratic.size();
  const Array diag_array = vector_argument(diag, size, "diag"), x_array = vector_argument(x, size, "x");
  const Array lower_array = vector_argument(lower, size, "lower"), upper_array = vector_argument(upper, size, "upper");
  // (optional: std::optional, as a default array_t is a numpy array of its own)
  std::optional<Array> secant_array, span_array;
  if (!secant.is_none()) secant_array = matrix_argument(secant, size, "secant");
  if (!cyclic_span.is_none()) span_array = vector_argument(cyclic_span, size, "cyclic_span");
  const polychrome::lm::StepLimits limits{lower_array.data(), upper_array.data(),
                                          span_array ? span_array->data() : nullptr};
  py::array_t<double> step(static_cast<py::ssize_t>(size));
  const auto outcome = polychrome::lm::damped_step(quadratic.model(), diag_array.data(), damping,
                                                   secant_array ? secant_array->data() : nullptr, augmented,
                                                   x_array.data(), limits, fraction, step.mutable_data());
  return py::make_tuple(step, outcome.augmented, outcome.gauss_newton_decrease, outcome.secant_curvature);
}

bool secant_update_py(const py::object& secant, bool sized, const py::object& step,
                      const py::object& gradient_old, const py::object& gradient_new,
                      const py::object& hessian_new) {
  const QuadraticArguments quadratic(hessian_new, gradient_new);
  const std::size_t size = quadratic.size();
  // updated in place: it must be the float64 C-ordered array itself, not a converted copy
  if (!Array::check_(secant)) throw std::invalid_argument("secant must be a C-ordered float64 array");
  auto secant_array = py::reinterpret_borrow<Array>(secant);
  require_square(secant_array, size, "secant");
  const Array step_array = vector_argument(step, size, "step");
  const Array old_array = vector_argument(gradient_old, size, "gradient_old");
  return polychrome::lm::update_secant(secant_array.mutable_data(), sized, step_array.data(), old_array.data(),
                                       quadratic.gradient.data(), quadratic.hessian.data(), size);
}

py::tuple transformed_equations_py(const py::object& gradient, const py::object& hessian,
                                   const py::object& transform, const py::object& column_scale) {
  const QuadraticArguments quadratic(hessian, gradient);
  const std::size_t size = quadratic.size();
  std::optional<Array> transform_array, scale_array;
  if (!transform.is_none()) transform_array = matrix_argument(transform, size, "transform");
  if (!column_scale.is_none()) scale_array = vector_argument(column_scale, size, "column_scale");
  const auto extent = static_cast<py::ssize_t>(size);
  py::array_t<double> gradient_out(extent), hessian_out({extent, extent});
  polychrome::transform_normal_equations(quadratic.gradient.data(), quadratic.hessian.data(),
                                         transform_array ? transform_array->data() : nullptr,
                                         scale_array ? scale_array->data() : nullptr, size,
                                         gradient_out.mutable_data(), hessian_out.mutable_data());
  return py::make_tuple(gradient_out, hessian_out);
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
  m.def("lm_transformed_equations", &transformed_equations_py, py::arg("gradient"), py::arg("hessian"),
        py::arg("transform"), py::arg("column_scale"),
        "(M^T gradient, M^T hessian M), new arrays: chi^2's J^T W r (P,) and J^T W J (P, P) in the "
        "variables y of a reparametrised fit, M = dx/dy = transform diag(column_scale); transform: "
        "(P, P) or None (the identity), column_scale: (P,) or None (ones). Summed in index order, "
        "T^T H first, the scale last (see transformed_equations.hpp).");
}
