// Python access to the Airy pattern's pixel integrals (airy_render.hpp).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <utility>

#include "render_arguments.hpp"
#include "polychrome/airy_render.hpp"

namespace py = pybind11;

namespace {

using RealArray = py::array_t<double, py::array::c_style | py::array::forcecast>;

py::object render_airy_py(std::pair<int, int> shape, std::pair<double, double> origin,
                          const RealArray& pixelscale, std::pair<double, double> center, double aRL,
                          double log10_I0, bool jacobian, double tolerance) {
  const polychrome::PixelGrid grid = polychrome_bindings::make_grid(shape, origin, pixelscale);
  RealArray image({grid.ny, grid.nx});
  if (!jacobian) {
    double* out = image.mutable_data();
    py::gil_scoped_release release;
    polychrome::render_airy(grid, center.first, center.second, aRL, log10_I0, tolerance, out, nullptr);
    return std::move(image);
  }
  RealArray jac({2, grid.ny, grid.nx});
  double* out = image.mutable_data();
  double* out_jac = jac.mutable_data();
  {
    py::gil_scoped_release release;
    polychrome::render_airy(grid, center.first, center.second, aRL, log10_I0, tolerance, out, out_jac);
  }
  return py::make_tuple(image, jac);
}

}  // namespace

void bind_airy(py::module_& m) {
  m.def("render_airy", &render_airy_py, py::arg("shape"), py::arg("origin"), py::arg("pixelscale"),
        py::arg("center"), py::arg("aRL"), py::arg("I0"), py::arg("jacobian") = false,
        py::arg("tolerance") = 1e-10,
        "Pixel integrals (flux per pixel) of the Airy pattern I0 [2 J1(x)/x]^2, x = 2 pi aRL r, "
        "centred at center (arcsec) on the grid (shape (ny, nx), origin of pixel (0, 0)'s outer "
        "corner, 2x2 pixelscale in arcsec/pixel); aRL in 1/arcsec, I0 log10 flux/arcsec^2. With "
        "jacobian, also d/daRL and d/dI0 as a (2, ny, nx) array. tolerance: error allowed per "
        "pixel relative to the peak surface brightness times the pixel area.");
  m.def(
      "airy_quadrature",
      [](double h, double aRL, double tolerance) {
        const polychrome::AiryQuadrature rule = polychrome::airy_quadrature(h, aRL, tolerance);
        return py::make_tuple(rule.cells, rule.points);
      },
      py::arg("h"), py::arg("aRL"), py::arg("tolerance"),
      "(cells per side, Gauss-Legendre points) render_airy uses for pixel side h (arcsec).");
}
