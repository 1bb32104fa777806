// Python access to the renderer: numpy arrays in and out, GIL released while
// rendering.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "jacobian_out.hpp"
#include "render_arguments.hpp"
#include "polychrome/profile_factory.hpp"
#include "polychrome/render.hpp"
#include "polychrome/render_ranges.hpp"

namespace py = pybind11;
using polychrome::PixelGrid;
using polychrome_bindings::make_grid;

namespace {

py::object render_py(const std::string& profile_name, const std::vector<double>& params,
                     const std::vector<double>& knot_radii, std::pair<int, int> shape,
                     std::pair<double, double> origin,
                     const py::array_t<double, py::array::c_style | py::array::forcecast>& pixelscale,
                     std::pair<double, double> center, double q, double pa, bool jacobian,
                     double tolerance, double faint_fraction, int max_depth, const py::object& threads,
                     double absolute_tolerance, const py::object& jacobian_out) {
  const polychrome::AnyProfile profile = polychrome::make_profile(profile_name, params, knot_radii);
  const PixelGrid grid = make_grid(shape, origin, pixelscale);
  const polychrome::Ellipse ellipse{center.first, center.second, q, pa};
  const polychrome::RenderOptions opt =
      polychrome_bindings::make_render_options(tolerance, faint_fraction, max_depth, threads, absolute_tolerance,
                                               polychrome_bindings::render_could_use_threads(
                                                   static_cast<double>(grid.ny) * grid.nx));
  py::array_t<double> image({grid.ny, grid.nx});
  if (!jacobian) {
    double* out = image.mutable_data();
    {
      py::gil_scoped_release release;
      polychrome::render(grid, ellipse, profile, opt, out, nullptr);
    }
    return std::move(image);
  }
  polychrome_bindings::JacobianArray jac =
      polychrome_bindings::jacobian_array(jacobian_out, polychrome::jacobian_size(profile), grid.ny, grid.nx);
  double* out = image.mutable_data();
  double* jout = jac.mutable_data();
  {
    py::gil_scoped_release release;
    polychrome::render(grid, ellipse, profile, opt, out, jout);
  }
  return py::make_tuple(image, jac);
}

}  // namespace

void bind_render(py::module_& m) {
  m.def("render", &render_py, py::arg("profile"), py::arg("params"), py::arg("knot_radii"),
        py::arg("shape"), py::arg("origin"), py::arg("pixelscale"), py::arg("center"),
        py::arg("q"), py::arg("pa"), py::arg("jacobian"), py::arg("tolerance"),
        py::arg("faint_fraction"), py::arg("max_depth"), py::arg("threads") = py::none(),
        py::arg("absolute_tolerance") = 0.0, py::arg("jacobian_out") = py::none(),
        "Render a radial profile over a pixel grid; returns the image [ny, nx] "
        "(flux per pixel) or (image, jacobian [nparams, ny, nx]). absolute_tolerance: error "
        "allowed in every pixel (flux per pixel) on top of the relative tolerance. jacobian_out: "
        "None, or a writable C-contiguous float64 array [nparams, ny, nx] the Jacobian is "
        "written into (and returned) instead of a new one.");
  m.def("profile_parameter_names", &polychrome::profile_parameter_names, py::arg("profile"),
        py::arg("num_knots") = 0);
  m.def("profile_names", &polychrome::profile_names);
  m.def("isophote_names", &polychrome::isophote_names);
  m.def("sector_names", &polychrome::sector_names);
  m.def("truncation_names", &polychrome::truncation_names,
        "The truncations of a radial profile: 'truncated <radial>' (outer) and 'inner truncated <radial>'.");
  m.def("nonradial_profile_names", &polychrome::nonradial_profile_names,
        "Profiles that are not functions of the elliptical radius (q unused, no isophote shape).");
  m.def(
      "render_ranges",
      [] {
        py::dict ranges;
        ranges["min_axis_ratio"] = polychrome::kMinAxisRatio;
        ranges["min_size_pixels"] = polychrome::kMinSizePixels;
        ranges["max_size_pixels"] = polychrome::kMaxSizePixels;
        ranges["max_log10_pixel_peak"] = polychrome::kMaxLog10PixelPeak;
        ranges["max_center_distance_pixels"] = polychrome::kMaxCenterDistancePixels;
        ranges["min_pixel_size"] = polychrome::kMinPixelSize;
        ranges["max_pixel_size"] = polychrome::kMaxPixelSize;
        return ranges;
      },
      "The ranges the renderer accepts (see polychrome/render_ranges.hpp): smallest axis ratio, "
      "sizes in pixels, largest |log10| of the peak flux per pixel, centre distance in pixels, "
      "pixel size in arcsec.");
}
