// The Jacobian array of a render call from Python: a new one, or the caller's own (shared by
// the render and PSF bindings), so that a fit can have the core write each component's
// Jacobian straight into its stack of Jacobian rows instead of copying it there.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <stdexcept>
#include <string>

namespace polychrome_bindings {

using JacobianArray = pybind11::array_t<double, pybind11::array::c_style>;

/// The (count, ny, nx) array a render call writes its Jacobian into: a new one when `out` is None,
/// else `out` itself, which must be a writable C-contiguous float64 array of that shape (e.g. rows
/// of a caller's stack: written in place, no copy). Every value of it is overwritten.
inline JacobianArray jacobian_array(const pybind11::object& out, pybind11::ssize_t count, pybind11::ssize_t ny,
                                    pybind11::ssize_t nx) {
  namespace py = pybind11;
  if (out.is_none()) return JacobianArray({count, ny, nx});
  if (!py::isinstance<JacobianArray>(out))
    throw std::invalid_argument("jacobian_out must be a C-contiguous float64 numpy array");
  auto array = py::reinterpret_borrow<JacobianArray>(out);
  if (array.ndim() != 3 || array.shape(0) != count || array.shape(1) != ny || array.shape(2) != nx)
    throw std::invalid_argument("jacobian_out must have the Jacobian's shape (" + std::to_string(count) + ", " +
                                std::to_string(ny) + ", " + std::to_string(nx) + ") (parameters, ny, nx)");
  if (!array.writeable()) throw std::invalid_argument("jacobian_out must be writable");
  return array;
}

}  // namespace polychrome_bindings
