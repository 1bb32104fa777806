// Python access to PSF convolution and point sources: the PSF objects own
// their cached transforms (Python holds them and passes them back in), numpy
// arrays in and out, GIL released while computing.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "jacobian_out.hpp"
#include "render_arguments.hpp"
#include "polychrome/normal_equations.hpp"
#include "polychrome/point_source.hpp"
#include "polychrome/profile_factory.hpp"
#include "polychrome/psf_convolver.hpp"
#include "polychrome/render_convolved.hpp"

namespace py = pybind11;
using polychrome::PixelGrid;
using polychrome::PointSourceRenderer;
using polychrome::PsfConvolver;
using polychrome::PsfImage;
using polychrome_bindings::make_grid;

namespace {

using RealArray = py::array_t<double, py::array::c_style | py::array::forcecast>;

// already_normalised: the values come from a PsfImage (a pickle's state)
// and are kept bit for bit rather than divided by their sum again.
PsfImage psf_from_array(const RealArray& psf, bool already_normalised = false) {
  if (psf.ndim() != 2)
    throw std::invalid_argument("psf must be a 2D array, got " + std::to_string(psf.ndim()) +
                                " dimensions");
  const int ny = static_cast<int>(psf.shape(0)), nx = static_cast<int>(psf.shape(1));
  return already_normalised ? PsfImage::already_normalised(psf.data(), ny, nx)
                            : PsfImage(psf.data(), ny, nx);
}

RealArray psf_to_array(const PsfImage& psf) {
  RealArray out({psf.ny(), psf.nx()});
  std::copy(psf.values().begin(), psf.values().end(), out.mutable_data());
  return out;
}

// Pickle state of a PSF object: its normalised PSF alone. The FFT plans and
// spectra are rebuilt on load (they are caches, larger than the PSF, and
// plans are tied to the process), so a pickle is as small as the PSF.
template <class PsfObject>
py::tuple psf_state(const PsfObject& object) {
  return py::make_tuple(psf_to_array(object.psf()));
}

template <class PsfObject>
std::unique_ptr<PsfObject> from_psf_state(const py::tuple& state) {
  if (state.size() != 1)
    throw std::invalid_argument("pickled PSF state must hold one array (the normalised psf), got " +
                                std::to_string(state.size()) + " items");
  return std::make_unique<PsfObject>(psf_from_array(state[0].cast<RealArray>(), true));
}

// The ConvolutionExtent of a Python box (row_begin, row_end, col_begin, col_end), or the whole
// array for None; checked against the padded arrays' shape (ly, lx).
PsfConvolver::Extent box_extent(const py::object& box, py::ssize_t ly, py::ssize_t lx) {
  if (box.is_none()) return PsfConvolver::Extent{};
  const auto values = box.cast<std::vector<py::ssize_t>>();
  const std::string given = py::str(box).cast<std::string>();
  if (values.size() != 4 || values[0] < 0 || values[0] > values[1] || values[1] > ly || values[2] < 0 ||
      values[2] > values[3] || values[3] > lx)
    throw std::invalid_argument("box must be (row_begin, row_end, col_begin, col_end) pixels with 0 <= "
                                "row_begin <= row_end <= " + std::to_string(ly) + " and 0 <= col_begin <= "
                                "col_end <= " + std::to_string(lx) + " (the padded shape), got " + given);
  return PsfConvolver::Extent{static_cast<int>(values[0]), static_cast<int>(values[1]),
                              static_cast<int>(values[2]), static_cast<int>(values[3])};
}

RealArray convolve_py(const PsfConvolver& conv, const RealArray& padded, const py::object& threads,
                      const py::object& box, const py::object& double_arrays) {
  if (padded.ndim() != 2 && padded.ndim() != 3)
    throw std::invalid_argument("padded must be a 2D array or a stack (count, ny, nx), got " +
                                std::to_string(padded.ndim()) + " dimensions");
  const int nthreads = polychrome_bindings::resolve_threads(threads);
  const bool stack = padded.ndim() == 3;
  const py::ssize_t count = stack ? padded.shape(0) : 1;
  const py::ssize_t ly = padded.shape(padded.ndim() - 2), lx = padded.shape(padded.ndim() - 1);
  const py::ssize_t wy = ly - 2 * conv.pad_y(), wx = lx - 2 * conv.pad_x();
  if (wy < 1 || wx < 1)
    throw std::invalid_argument(
        "padded arrays of shape (" + std::to_string(ly) + ", " + std::to_string(lx) +
        ") leave no window: they must exceed the psf shape (" + std::to_string(conv.psf().ny()) +
        ", " + std::to_string(conv.psf().nx()) + ") minus 1 in each dimension");
  const PsfConvolver::Extent extent = box_extent(box, ly, lx);
  std::size_t in_double = PsfConvolver::kAllDouble;
  if (!double_arrays.is_none()) {
    const py::ssize_t k = double_arrays.cast<py::ssize_t>();
    if (k < 0)
      throw std::invalid_argument("double_arrays must be None or >= 0 (arrays convolved in double "
                                  "precision, the rest in single), got " + std::to_string(k));
    in_double = static_cast<std::size_t>(k);
  }
  std::vector<py::ssize_t> shape{wy, wx};
  if (stack) shape.insert(shape.begin(), count);
  RealArray out(shape);
  const double* src = padded.data();
  double* dst = out.mutable_data();
  {
    py::gil_scoped_release release;
    conv.convolve(src, static_cast<std::size_t>(count), static_cast<int>(wy), static_cast<int>(wx),
                  dst, nthreads, extent, in_double);
  }
  return out;
}

// Whether render_convolved of `count` arrays (image and Jacobian columns) on `grid` could use
// more than one thread: its render of the padded fine grid, or its FFTs (see team_size).
bool convolved_render_could_use_threads(const PixelGrid& grid, const PsfConvolver& psf, int psf_upsample,
                                        int count) {
  if (psf_upsample < 1 || grid.ny < 0 || grid.nx < 0) return true;  // refused later, with its message
  const double k = psf_upsample;
  const double ly = k * grid.ny + 2.0 * psf.pad_y(), lx = k * grid.nx + 2.0 * psf.pad_x();
  if (polychrome_bindings::render_could_use_threads(ly * lx) || ly > 1e8 || lx > 1e8) return true;
  const auto [fy, fx] = psf.fft_shape(psf_upsample * grid.ny, psf_upsample * grid.nx);
  return static_cast<double>(count) * static_cast<double>(fy) * static_cast<double>(fx) >=
         2.0 * static_cast<double>(polychrome::kMinFftPointsPerThread);
}

py::object render_convolved_py(const std::string& profile_name, const std::vector<double>& params,
                               const std::vector<double>& knot_radii, std::pair<int, int> shape,
                               std::pair<double, double> origin, const RealArray& pixelscale,
                               std::pair<double, double> center, double q, double pa,
                               bool jacobian, double tolerance, double faint_fraction,
                               int max_depth, const py::object& threads, const PsfConvolver& psf,
                               int psf_upsample, double absolute_tolerance, const py::object& jacobian_out,
                               bool single_precision_jacobian) {
  const polychrome::AnyProfile profile = polychrome::make_profile(profile_name, params, knot_radii);
  const PixelGrid grid = make_grid(shape, origin, pixelscale);
  const polychrome::Ellipse ellipse{center.first, center.second, q, pa};
  polychrome::RenderOptions opt = polychrome_bindings::make_render_options(
      tolerance, faint_fraction, max_depth, threads, absolute_tolerance,
      convolved_render_could_use_threads(grid, psf, psf_upsample,
                                         jacobian ? 1 + polychrome::jacobian_size(profile) : 1));
  opt.single_precision_jacobian = single_precision_jacobian;
  RealArray image({grid.ny, grid.nx});
  double* out = image.mutable_data();
  if (!jacobian) {
    py::gil_scoped_release release;
    polychrome::render_convolved(grid, ellipse, profile, opt, psf, psf_upsample, out, nullptr);
    return std::move(image);
  }
  polychrome_bindings::JacobianArray jac =
      polychrome_bindings::jacobian_array(jacobian_out, polychrome::jacobian_size(profile), grid.ny, grid.nx);
  double* jout = jac.mutable_data();
  {
    py::gil_scoped_release release;
    polychrome::render_convolved(grid, ellipse, profile, opt, psf, psf_upsample, out, jout);
  }
  return py::make_tuple(image, jac);
}

// The normal equations of a window whose model is one convolved profile plus uniform values (a
// fit's stacked plan: a galaxy and its flat sky, see python/polychrome/fit/model_problem.py): the
// profile rendered with its Jacobian written into the first rows of `stack` (rows x ny x nx, the
// rest the caller's: a sky's constant rows), the residuals data - (image + offsets...) and chi^2,
// J^T W r and J^T W J over every row of the stack, as render_convolved followed by
// normal_equations would give them (the same arithmetic), in one call with no image back.
py::tuple render_convolved_normal_equations_py(
    const std::string& profile_name, const std::vector<double>& params, const std::vector<double>& knot_radii,
    std::pair<int, int> shape, std::pair<double, double> origin, const RealArray& pixelscale,
    std::pair<double, double> center, double q, double pa, double tolerance, double faint_fraction,
    int max_depth, const py::object& threads, const PsfConvolver& psf, int psf_upsample,
    double absolute_tolerance, bool single_precision_jacobian, const py::object& stack,
    const std::vector<double>& offsets, const RealArray& data, const RealArray& weight) {
  const polychrome::AnyProfile profile = polychrome::make_profile(profile_name, params, knot_radii);
  const PixelGrid grid = make_grid(shape, origin, pixelscale);
  const polychrome::Ellipse ellipse{center.first, center.second, q, pa};
  const py::ssize_t own_rows = polychrome::jacobian_size(profile);
  polychrome::RenderOptions opt = polychrome_bindings::make_render_options(
      tolerance, faint_fraction, max_depth, threads, absolute_tolerance,
      convolved_render_could_use_threads(grid, psf, psf_upsample, 1 + static_cast<int>(own_rows)));
  opt.single_precision_jacobian = single_precision_jacobian;
  if (!py::isinstance<polychrome_bindings::JacobianArray>(stack))
    throw std::invalid_argument("stack must be a C-contiguous float64 numpy array");
  auto rows = py::reinterpret_borrow<polychrome_bindings::JacobianArray>(stack);
  if (rows.ndim() != 3 || rows.shape(0) < own_rows || rows.shape(1) != grid.ny || rows.shape(2) != grid.nx)
    throw std::invalid_argument("stack must have shape (rows >= " + std::to_string(own_rows) + ", " +
                                std::to_string(grid.ny) + ", " + std::to_string(grid.nx) +
                                ") (the profile's Jacobian rows first, then the caller's)");
  if (!rows.writeable()) throw std::invalid_argument("stack must be writable");
  const std::size_t n = static_cast<std::size_t>(grid.ny) * static_cast<std::size_t>(grid.nx);
  if (data.ndim() != 1 || weight.ndim() != 1 || static_cast<std::size_t>(data.shape(0)) != n ||
      static_cast<std::size_t>(weight.shape(0)) != n)
    throw std::invalid_argument("data and weight must be 1-D with one value per pixel of the window (" +
                                std::to_string(n) + "), got " + std::to_string(data.size()) + " and " +
                                std::to_string(weight.size()));
  const std::size_t p = static_cast<std::size_t>(rows.shape(0));
  py::array_t<double> gradient(static_cast<py::ssize_t>(p));
  py::array_t<double> hessian({static_cast<py::ssize_t>(p), static_cast<py::ssize_t>(p)});
  // (threads as _core.normal_equations resolves them when not given: the same partial sums)
  const int equation_threads =
      polychrome_bindings::resolve_threads(py::none(), polychrome::normal_equations_could_use_threads(n));
  double chi2 = 0.0;
  double* g = gradient.mutable_data();
  double* h = hessian.mutable_data();
  std::fill(g, g + p, 0.0);
  std::fill(h, h + p * p, 0.0);
  double* jout = rows.mutable_data();
  // (the image's buffer as render_convolved's own: an array without zeros, made before the GIL is
  // released; a std::vector's zeros were a memset of the whole window per call)
  RealArray image({grid.ny, grid.nx});
  double* model = image.mutable_data();
  {
    py::gil_scoped_release release;
    polychrome::render_convolved(grid, ellipse, profile, opt, psf, psf_upsample, model, jout);
    polychrome::residuals_of_model(model, offsets.data(), offsets.size(), data.data(), n);
    polychrome::accumulate_normal_equations(model, weight.data(), jout, n, p, &chi2, g, h, equation_threads);
  }
  return py::make_tuple(chi2, gradient, hessian);
}

py::object point_source_py(const PointSourceRenderer& psf, std::pair<int, int> shape,
                           std::pair<double, double> origin, const RealArray& pixelscale,
                           std::pair<double, double> position, double flux, int psf_upsample,
                           bool jacobian) {
  const PixelGrid grid = make_grid(shape, origin, pixelscale);
  RealArray image({grid.ny, grid.nx});
  double* out = image.mutable_data();
  if (!jacobian) {
    py::gil_scoped_release release;
    psf.render(grid, position.first, position.second, flux, psf_upsample, out, nullptr);
    return std::move(image);
  }
  RealArray jac({PointSourceRenderer::kJacobianSize, grid.ny, grid.nx});
  double* jout = jac.mutable_data();
  {
    py::gil_scoped_release release;
    psf.render(grid, position.first, position.second, flux, psf_upsample, out, jout);
  }
  return py::make_tuple(image, jac);
}

}  // namespace

void bind_psf(py::module_& m) {
  py::class_<PsfConvolver>(m, "PsfConvolver",
                           "FFT convolution with one PSF (odd sizes, centre pixel (ny//2, nx//2), "
                           "normalised to unit sum on construction); caches the PSF spectrum per "
                           "FFT size. Safe to share between threads. Pickles as its PSF (transforms "
                           "rebuilt on use).")
      .def(py::init([](const RealArray& psf) { return std::make_unique<PsfConvolver>(psf_from_array(psf)); }),
           py::arg("psf"))
      .def(py::pickle(&psf_state<PsfConvolver>, &from_psf_state<PsfConvolver>))
      .def_property_readonly("psf", [](const PsfConvolver& c) { return psf_to_array(c.psf()); },
                             "The normalised PSF (sum 1).")
      .def_property_readonly("pad", [](const PsfConvolver& c) { return std::make_pair(c.pad_y(), c.pad_x()); },
                             "(pad_y, pad_x): the PSF half-sizes, pixels a window must be grown by "
                             "on each side before convolving.")
      .def("fft_shape", [](const PsfConvolver& c, std::pair<int, int> window) { return c.fft_shape(window.first, window.second); },
           py::arg("window_shape"), "FFT shape used for a window of shape (wy, wx).")
      .def("convolve", &convolve_py, py::arg("padded"), py::arg("threads") = py::none(),
           py::arg("box") = py::none(), py::arg("double_arrays") = py::none(),
           "Convolve a padded array (ny + 2 pad_y, nx + 2 pad_x) or a stack (count, ...) of "
           "them with the PSF; returns the central (ny, nx) window of each (linear "
           "convolution, no wrap-around). threads: None or 0 for the default of "
           "polychrome.thread_policy, else 1 to its MAX_THREADS (capped at the usable CPUs). "
           "box: None for all of each array, else (row_begin, row_end, col_begin, col_end) "
           "pixels of the padded arrays outside which they are taken as 0 (and not read); "
           "the transforms shrink to what the box reaches. double_arrays: None for every "
           "array in double precision, else k >= 0: arrays k, k + 1, ... of the stack in single "
           "precision (float transforms; each within ~1e-6 of its largest magnitude; an array "
           "whose values leave float's range, or hold NaN or inf, still in double).");

  py::class_<PointSourceRenderer>(m, "PointSourceRenderer",
                                  "A PSF (odd sizes, centre pixel (ny//2, nx//2), normalised to "
                                  "unit sum) placed at sub-pixel positions by a Fourier phase shift.")
      .def(py::init([](const RealArray& psf) { return std::make_unique<PointSourceRenderer>(psf_from_array(psf)); }),
           py::arg("psf"))
      .def(py::pickle(&psf_state<PointSourceRenderer>, &from_psf_state<PointSourceRenderer>))
      .def_property_readonly("psf", [](const PointSourceRenderer& r) { return psf_to_array(r.psf()); },
                             "The normalised PSF (sum 1).")
      .def_property_readonly("shift_shape", [](const PointSourceRenderer& r) { return std::make_pair(r.shift_ny(), r.shift_nx()); },
                             "Shape of the zero-padded PSF that is shifted.");

  m.def("render_convolved", &render_convolved_py, py::arg("profile"), py::arg("params"),
        py::arg("knot_radii"), py::arg("shape"), py::arg("origin"), py::arg("pixelscale"),
        py::arg("center"), py::arg("q"), py::arg("pa"), py::arg("jacobian"), py::arg("tolerance"),
        py::arg("faint_fraction"), py::arg("max_depth"), py::arg("threads") = py::none(), py::arg("psf"),
        py::arg("psf_upsample"), py::arg("absolute_tolerance") = 0.0, py::arg("jacobian_out") = py::none(),
        py::arg("single_precision_jacobian") = false,
        "render() followed by convolution with psf (a PsfConvolver) at psf_upsample times the "
        "pixel resolution; returns the image [ny, nx] or (image, jacobian [nparams, ny, nx]). "
        "absolute_tolerance: error allowed in every output pixel (flux per pixel) on top of the "
        "relative tolerance. jacobian_out: None, or a writable C-contiguous float64 array "
        "[nparams, ny, nx] the Jacobian is written into (and returned) instead of a new one. "
        "single_precision_jacobian: True for the Jacobian's planes convolved in single "
        "precision (each within ~1e-6 of its largest magnitude; the image is convolved in double "
        "either way); False (the default): in double, like the image.");
  m.def("render_convolved_normal_equations", &render_convolved_normal_equations_py, py::arg("profile"),
        py::arg("params"), py::arg("knot_radii"), py::arg("shape"), py::arg("origin"), py::arg("pixelscale"),
        py::arg("center"), py::arg("q"), py::arg("pa"), py::arg("tolerance"), py::arg("faint_fraction"),
        py::arg("max_depth"), py::arg("threads"), py::arg("psf"), py::arg("psf_upsample"),
        py::arg("absolute_tolerance"), py::arg("single_precision_jacobian"), py::arg("stack"),
        py::arg("offsets"), py::arg("data"), py::arg("weight"),
        "(chi2, J W r, J W J^T) of a window whose model is render_convolved's image (with its "
        "Jacobian written into the first rows of stack [rows, ny, nx], the rest of whose rows are "
        "the caller's) plus the uniform offsets (flux per pixel, added in order): residual = data - "
        "(image + offsets...), data and weight [ny * nx] flat; render_convolved then normal_equations "
        "over every row of the stack, without the image back.");
  m.def("point_source", &point_source_py, py::arg("psf"), py::arg("shape"), py::arg("origin"),
        py::arg("pixelscale"), py::arg("position"), py::arg("flux"), py::arg("psf_upsample"),
        py::arg("jacobian"),
        "Flux at plane position (x, y) arcsec spread by psf (a PointSourceRenderer); returns the "
        "image [ny, nx] or (image, jacobian [3, ny, nx]: d/dx, d/dy per arcsec, d/dflux).");
}
