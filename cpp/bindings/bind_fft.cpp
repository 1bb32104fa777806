// Python access to the project's FFT: numpy arrays in and out, numpy.fft
// conventions, GIL released while transforming. Mainly for tests and
// benchmarks; the convolution engine calls the C++ plans directly.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <complex>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "polychrome/fft.hpp"
#include "polychrome/fft_plan_cache.hpp"
#include "thread_count.hpp"

namespace py = pybind11;

namespace {

using RealArray = py::array_t<double, py::array::c_style | py::array::forcecast>;
using ComplexArray = py::array_t<std::complex<double>, py::array::c_style | py::array::forcecast>;

void check_ndim(const py::array& a, const char* name, py::ssize_t lo, py::ssize_t hi) {
  if (a.ndim() < lo || a.ndim() > hi)
    throw std::invalid_argument(std::string(name) + " must have " + std::to_string(lo) +
                                (lo == hi ? "" : " to " + std::to_string(hi)) +
                                " dimensions, got " + std::to_string(a.ndim()));
}


// Plans come from a cache the caller owns (the Python class FftPlans) so
// that nothing global holds state; without one, a call builds its plan itself
// (some microseconds: fine for one-off transforms, visible for small repeated
// ones).
class PlanSource {
 public:
  explicit PlanSource(polychrome::FftPlanCache* owned) : cache_(owned ? owned : &local_.emplace()) {}
  polychrome::FftPlanCache& operator*() const { return *cache_; }
  polychrome::FftPlanCache* operator->() const { return cache_; }

 private:
  std::optional<polychrome::FftPlanCache> local_;
  polychrome::FftPlanCache* cache_;
};

std::size_t dim(const py::array& a, py::ssize_t axis_from_end) {
  return static_cast<std::size_t>(a.shape(a.ndim() - axis_from_end));
}

// Shape of the result: the input's shape with the last axis replaced.
std::vector<py::ssize_t> with_last(const py::array& a, std::size_t last) {
  std::vector<py::ssize_t> shape(a.shape(), a.shape() + a.ndim());
  shape.back() = static_cast<py::ssize_t>(last);
  return shape;
}

std::size_t leading_count(const py::array& a, py::ssize_t core_dims) {
  std::size_t count = 1;
  for (py::ssize_t i = 0; i < a.ndim() - core_dims; ++i) count *= static_cast<std::size_t>(a.shape(i));
  return count;
}

ComplexArray rfft2_py(const RealArray& a, const py::object& threads, polychrome::FftPlanCache* plans) {
  check_ndim(a, "a", 2, 3);
  const int nthreads = polychrome_bindings::resolve_threads(threads);
  const std::size_t ny = dim(a, 2), nx = dim(a, 1);
  const auto plan_ptr = PlanSource(plans)->real_2d_plan(ny, nx);
  const polychrome::RealFft2dPlan& plan = *plan_ptr;
  ComplexArray out(with_last(a, plan.spectrum_nx()));
  const std::size_t count = leading_count(a, 2);
  const double* src = a.data();
  std::complex<double>* dst = out.mutable_data();
  {
    py::gil_scoped_release release;
    plan.forward(src, dst, count, nthreads);
  }
  return out;
}

RealArray irfft2_py(const ComplexArray& c, std::pair<py::ssize_t, py::ssize_t> shape, const py::object& threads,
                    polychrome::FftPlanCache* plans) {
  check_ndim(c, "c", 2, 3);
  const int nthreads = polychrome_bindings::resolve_threads(threads);
  if (shape.first < 1 || shape.second < 1)
    throw std::invalid_argument("shape must be positive, got (" + std::to_string(shape.first) +
                                ", " + std::to_string(shape.second) + ")");
  const std::size_t ny = static_cast<std::size_t>(shape.first);
  const std::size_t nx = static_cast<std::size_t>(shape.second);
  const auto plan_ptr = PlanSource(plans)->real_2d_plan(ny, nx);
  const polychrome::RealFft2dPlan& plan = *plan_ptr;
  if (dim(c, 2) != ny || dim(c, 1) != plan.spectrum_nx())
    throw std::invalid_argument("c has shape (..., " + std::to_string(dim(c, 2)) + ", " +
                                std::to_string(dim(c, 1)) + "); shape (" + std::to_string(ny) +
                                ", " + std::to_string(nx) + ") needs (..., " +
                                std::to_string(ny) + ", " + std::to_string(plan.spectrum_nx()) +
                                ")");
  RealArray out(with_last(c, nx));
  const std::size_t count = leading_count(c, 2);
  const std::complex<double>* src = c.data();
  double* dst = out.mutable_data();
  {
    py::gil_scoped_release release;
    plan.inverse(src, dst, count, nthreads);
  }
  return out;
}

ComplexArray fft_py(const ComplexArray& a, bool inverse, const py::object& threads, polychrome::FftPlanCache* plans) {
  check_ndim(a, "a", 1, 2);
  const int nthreads = polychrome_bindings::resolve_threads(threads);
  const std::size_t n = dim(a, 1);
  const auto plan_ptr = PlanSource(plans)->complex_plan(n);
  const polychrome::ComplexFftPlan& plan = *plan_ptr;
  ComplexArray out(with_last(a, n));
  const std::size_t count = leading_count(a, 1);
  const std::complex<double>* src = a.data();
  std::complex<double>* dst = out.mutable_data();
  {
    py::gil_scoped_release release;
    plan.transform(src, dst, count,
                   inverse ? polychrome::FftDirection::backward : polychrome::FftDirection::forward,
                   inverse ? 1.0 / static_cast<double>(n) : 1.0, nthreads);
  }
  return out;
}

ComplexArray rfft_py(const RealArray& a, const py::object& threads, polychrome::FftPlanCache* plans) {
  check_ndim(a, "a", 1, 2);
  const int nthreads = polychrome_bindings::resolve_threads(threads);
  const auto plan_ptr = PlanSource(plans)->real_plan(dim(a, 1));
  const polychrome::RealFftPlan& plan = *plan_ptr;
  ComplexArray out(with_last(a, plan.spectrum_size()));
  const std::size_t count = leading_count(a, 1);
  const double* src = a.data();
  std::complex<double>* dst = out.mutable_data();
  {
    py::gil_scoped_release release;
    plan.forward(src, dst, count, nthreads);
  }
  return out;
}

RealArray irfft_py(const ComplexArray& c, py::ssize_t n, const py::object& threads, polychrome::FftPlanCache* plans) {
  check_ndim(c, "c", 1, 2);
  const int nthreads = polychrome_bindings::resolve_threads(threads);
  if (n < 1) throw std::invalid_argument("n must be positive, got " + std::to_string(n));
  const auto plan_ptr = PlanSource(plans)->real_plan(static_cast<std::size_t>(n));
  const polychrome::RealFftPlan& plan = *plan_ptr;
  if (dim(c, 1) != plan.spectrum_size())
    throw std::invalid_argument("c has " + std::to_string(dim(c, 1)) + " bins; n = " +
                                std::to_string(n) + " needs " +
                                std::to_string(plan.spectrum_size()));
  RealArray out(with_last(c, static_cast<std::size_t>(n)));
  const std::size_t count = leading_count(c, 1);
  const std::complex<double>* src = c.data();
  double* dst = out.mutable_data();
  {
    py::gil_scoped_release release;
    plan.inverse(src, dst, count, nthreads);
  }
  return out;
}

}  // namespace

void bind_fft(py::module_& m) {
  py::class_<polychrome::FftPlanCache>(m, "FftPlans",
                                       "A cache of FFT plans (owned by the caller); pass it as "
                                       "plans= to reuse plans across transforms of one size.")
      .def(py::init<std::size_t>(), py::arg("capacity") = 32);
  m.def("rfft2", &rfft2_py, py::arg("a"), py::arg("threads") = py::none(), py::arg("plans") = nullptr,
        "2D real FFT of a float64 array (ny, nx) or a stack (count, ny, nx): returns "
        "(..., ny, nx//2+1) complex128, numpy.fft.rfft2 layout and signs, unnormalised. "
        "ny and nx must be 2^a 3^b 5^c (see next_fast_size).");
  m.def("irfft2", &irfft2_py, py::arg("c"), py::arg("shape"), py::arg("threads") = py::none(),
        py::arg("plans") = nullptr,
        "Inverse of rfft2: (..., ny, nx//2+1) complex128 -> (..., ny, nx) float64 with "
        "shape = (ny, nx), normalised by 1/(nx ny) like numpy.fft.irfft2.");
  m.def(
      "fft",
      [](const ComplexArray& a, const py::object& threads, polychrome::FftPlanCache* plans) {
        return fft_py(a, false, threads, plans);
      },
      py::arg("a"), py::arg("threads") = py::none(), py::arg("plans") = nullptr,
      "1D complex FFT along the last axis (1D or 2D input), unnormalised like numpy.fft.fft.");
  m.def(
      "ifft",
      [](const ComplexArray& a, const py::object& threads, polychrome::FftPlanCache* plans) {
        return fft_py(a, true, threads, plans);
      },
      py::arg("a"), py::arg("threads") = py::none(), py::arg("plans") = nullptr,
      "1D inverse complex FFT along the last axis, normalised by 1/n like numpy.fft.ifft.");
  m.def("rfft", &rfft_py, py::arg("a"), py::arg("threads") = py::none(), py::arg("plans") = nullptr,
        "1D real FFT along the last axis: n -> n//2+1 bins, like numpy.fft.rfft.");
  m.def("irfft", &irfft_py, py::arg("c"), py::arg("n"), py::arg("threads") = py::none(),
        py::arg("plans") = nullptr,
        "Inverse of rfft along the last axis: n//2+1 bins -> n reals, normalised by 1/n.");
  m.def("next_fast_size", &polychrome::next_fast_size, py::arg("n"),
        "Smallest m >= n of the form 2^a 3^b 5^c (the sizes the FFT supports).");
}
