// Python access to the pixelated model's exact pixel weights and geometry Jacobian (pixelated_render.hpp).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

#include "render_arguments.hpp"
#include "polychrome/pixelated_render.hpp"

namespace py = pybind11;

namespace {

using RealArray = py::array_t<double, py::array::c_style | py::array::forcecast>;

polychrome::PixelatedGrid make_pixelated_grid(std::pair<int, int> grid_shape, std::pair<double, double> center,
                                              double pa, double scale) {
  polychrome::PixelatedGrid grid;
  grid.gy = grid_shape.first;
  grid.gx = grid_shape.second;
  grid.center_x = center.first;
  grid.center_y = center.second;
  grid.pa = pa;
  grid.scale = scale;
  grid.validate();
  return grid;
}

py::tuple weights_py(std::pair<int, int> shape, std::pair<double, double> origin, const RealArray& pixelscale,
                     std::pair<int, int> grid_shape, std::pair<double, double> center, double pa, double scale,
                     const py::object& threads) {
  const polychrome::PixelGrid image = polychrome_bindings::make_grid(shape, origin, pixelscale);
  const polychrome::PixelatedGrid grid = make_pixelated_grid(grid_shape, center, pa, scale);
  const int nthreads = polychrome_bindings::resolve_threads(
      threads, polychrome_bindings::render_could_use_threads(static_cast<double>(image.nx) * image.ny));
  polychrome::PixelatedWeights w;
  {
    py::gil_scoped_release release;
    w = polychrome::pixelated_weights(image, grid, nthreads);
  }
  py::array_t<std::int64_t> starts(static_cast<py::ssize_t>(w.row_start.size()));
  py::array_t<std::int32_t> nodes(static_cast<py::ssize_t>(w.node.size()));
  py::array_t<double> weights(static_cast<py::ssize_t>(w.weight.size()));
  std::copy(w.row_start.begin(), w.row_start.end(), starts.mutable_data());
  std::copy(w.node.begin(), w.node.end(), nodes.mutable_data());
  std::copy(w.weight.begin(), w.weight.end(), weights.mutable_data());
  return py::make_tuple(starts, nodes, weights);
}

RealArray geometry_jacobian_py(std::pair<int, int> shape, std::pair<double, double> origin,
                               const RealArray& pixelscale, const RealArray& values,
                               std::pair<double, double> center, double pa, double scale,
                               const py::object& threads) {
  const polychrome::PixelGrid image = polychrome_bindings::make_grid(shape, origin, pixelscale);
  if (values.ndim() != 2)
    throw std::invalid_argument("values must be a 2-D array (grid rows, grid columns), got " +
                                std::to_string(values.ndim()) + " dimensions");
  const polychrome::PixelatedGrid grid = make_pixelated_grid(
      {static_cast<int>(values.shape(0)), static_cast<int>(values.shape(1))}, center, pa, scale);
  const int nthreads = polychrome_bindings::resolve_threads(
      threads, polychrome_bindings::render_could_use_threads(static_cast<double>(image.nx) * image.ny));
  RealArray out({static_cast<py::ssize_t>(4), static_cast<py::ssize_t>(image.ny), static_cast<py::ssize_t>(image.nx)});
  const double* v = values.data();
  double* o = out.mutable_data();
  {
    py::gil_scoped_release release;
    polychrome::pixelated_geometry_jacobian(image, grid, v, o, nthreads);
  }
  return out;
}

}  // namespace

void bind_pixelated(py::module_& m) {
  m.def("pixelated_weights", &weights_py, py::arg("shape"), py::arg("origin"), py::arg("pixelscale"),
        py::arg("grid_shape"), py::arg("center"), py::arg("PA"), py::arg("scale"),
        py::arg("threads") = py::none(),
        "Exact weights (arcsec^2) of a bilinearly interpolated node grid over the pixels of an image "
        "grid (shape (ny, nx), origin of pixel (0, 0)'s outer corner, 2x2 pixelscale arcsec/pixel): "
        "(row_start [ny*nx+1], node [nnz], weight [nnz]) in compressed rows, node = r * gx + c for "
        "grid_shape (gy, gx) (each >= 2), the grid centred at center (arcsec), rotated by PA (rad), "
        "scale arcsec per cell. Pixel value = sum of weight x node value (flux/arcsec^2).");
  m.def("pixelated_geometry_jacobian", &geometry_jacobian_py, py::arg("shape"), py::arg("origin"),
        py::arg("pixelscale"), py::arg("values"), py::arg("center"), py::arg("PA"), py::arg("scale"),
        py::arg("threads") = py::none(),
        "(4, ny, nx): derivatives of the pixel integrals of the interpolant of values (gy, gx), "
        "flux/arcsec^2, with respect to center x, center y (arcsec), PA (rad) and scale (arcsec per "
        "cell); exact (transport theorem on the pixel edges).");
}
