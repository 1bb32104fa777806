// Python access to initialize()'s window measurements (python/polychrome/models/initialization.py
// and annuli_in_radius_order.py): elliptical radii, the radius order and its running moment sums,
// the annuli's clipping, the border's robust level and a profile candidate's weighted sums. Each replaces a few dozen small numpy
// calls per source with one call, the same numbers bit for bit.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "polychrome/annulus_clipping.hpp"
#include "polychrome/candidate_sums.hpp"
#include "polychrome/radius_order.hpp"
#include "polychrome/robust_level.hpp"

namespace py = pybind11;
namespace init = polychrome::initialization;

namespace {

using Doubles = py::array_t<double, py::array::c_style | py::array::forcecast>;
using Indices = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;

// The length of a 1-D array argument.
std::size_t length_of(const py::array& vector, const char* name) {
  if (vector.ndim() != 1) throw std::invalid_argument(std::string(name) + " must be 1-D");
  return static_cast<std::size_t>(vector.shape(0));
}

void require_length(const py::array& vector, std::size_t size, const char* name) {
  if (length_of(vector, name) != size)
    throw std::invalid_argument(std::string(name) + " must have " + std::to_string(size) + " values");
}

Doubles elliptical_radii_py(const Doubles& dx, const Doubles& dy, double q, double PA) {
  const std::size_t count = length_of(dx, "dx");
  require_length(dy, count, "dy");
  Doubles radius(static_cast<py::ssize_t>(count));
  init::elliptical_radii(dx.data(), dy.data(), count, q, PA, radius.mutable_data());
  return radius;
}

std::tuple<Indices, Doubles, bool> radius_order_py(const Doubles& radius, double reach) {
  const std::size_t count = length_of(radius, "radius");
  init::RadiusOrder found = init::radius_order(radius.data(), count, reach);
  const auto size = static_cast<py::ssize_t>(found.order.size());
  Indices order(size);
  Doubles ordered_radius(size);
  for (py::ssize_t k = 0; k < size; ++k) {
    order.mutable_data()[k] = found.order[k];
    ordered_radius.mutable_data()[k] = radius.data()[found.order[k]];
  }
  return {order, ordered_radius, found.ties};
}

// The positions of ``order``, checked to lie within 0..count.
void require_positions(const Indices& order, std::size_t count) {
  const std::int64_t* p = order.data();
  for (py::ssize_t k = 0; k < order.size(); ++k)
    if (p[k] < 0 || static_cast<std::size_t>(p[k]) >= count)
      throw std::invalid_argument("order must hold positions within 0.." + std::to_string(count) + " (exclusive)");
}

Doubles ordered_moment_sums_py(const Indices& order, const Doubles& flux, const Doubles& dx, const Doubles& dy) {
  const std::size_t count = length_of(flux, "flux");
  require_length(dx, count, "dx");
  require_length(dy, count, "dy");
  const std::size_t size = length_of(order, "order");
  require_positions(order, count);
  Doubles sums({py::ssize_t{4}, static_cast<py::ssize_t>(size)});
  init::ordered_moment_sums(order.data(), size, flux.data(), dx.data(), dy.data(), sums.mutable_data());
  return sums;
}

Doubles clip_annuli_py(const Doubles& ordered_flux, const std::vector<std::int64_t>& starts, double clip) {
  const std::size_t count = length_of(ordered_flux, "ordered_flux");
  if (starts.empty()) throw std::invalid_argument("starts must hold at least one position");
  Doubles clipped(static_cast<py::ssize_t>(count));
  std::copy(ordered_flux.data(), ordered_flux.data() + count, clipped.mutable_data());
  init::clip_annuli(clipped.mutable_data(), count, starts.data(), starts.size() - 1, clip);
  return clipped;
}

std::tuple<double, double> robust_level_py(const Doubles& values, double clip, int iterations) {
  const std::size_t count = length_of(values, "values");
  for (std::size_t i = 0; i < count; ++i)
    if (!std::isfinite(values.data()[i])) throw std::invalid_argument("values must be finite");
  const init::RobustLevel level = init::robust_level(values.data(), count, clip, iterations);
  return {level.median, level.sigma};
}

std::tuple<double, double> candidate_sums_py(const Doubles& weight, const Doubles& weighted_data,
                                             const Doubles& model) {
  const auto count = static_cast<std::size_t>(model.size());
  if (static_cast<std::size_t>(weight.size()) != count || static_cast<std::size_t>(weighted_data.size()) != count)
    throw std::invalid_argument("weight, weighted_data and model must have as many pixels (" +
                                std::to_string(weight.size()) + ", " + std::to_string(weighted_data.size()) +
                                ", " + std::to_string(count) + ")");
  const init::CandidateSums sums = init::candidate_sums(weight.data(), weighted_data.data(), model.data(), count);
  return {sums.model_squares, sums.cross};
}

}  // namespace

void bind_initialization(py::module_& m) {
  m.def("elliptical_radii", &elliptical_radii_py, py::arg("dx"), py::arg("dy"), py::arg("q"), py::arg("PA"),
        "Semi-major elliptical radius (arcsec) of each offset (dx, dy) (1-D, arcsec) for axis ratio q and "
        "position angle PA (radians): sqrt(along^2 + (across / q)^2), numpy's arithmetic.");
  m.def("radius_order", &radius_order_py, py::arg("radius"), py::arg("reach"),
        "(order, ordered radii, ties): the positions of the radii <= reach sorted by radius (ties by "
        "position), their radii in that order, and whether two of them tie.");
  m.def("ordered_moment_sums", &ordered_moment_sums_py, py::arg("order"), py::arg("flux"), py::arg("dx"),
        py::arg("dy"),
        "(4, len(order)): running sums in the order ``order`` of flux, dx^2 flux, dy^2 flux and dx dy flux "
        "(np.cumsum's numbers).");
  m.def("clip_annuli", &clip_annuli_py, py::arg("ordered_flux"), py::arg("starts"), py::arg("clip"),
        "A copy of ordered_flux (radius order) with each value above its annulus' median + clip x 1.4826 x "
        "MAD replaced by the median; annulus k is positions starts[k]:starts[k+1], annuli of fewer than 5 "
        "values and values outside every annulus unchanged.");
  m.def("robust_level", &robust_level_py, py::arg("values"), py::arg("clip"), py::arg("iterations"),
        "(median, sigma) of finite values after iterative sigma clipping at clip sigma (sigma = 1.4826 x MAD, "
        "the standard deviation where that is 0), at most ``iterations`` rounds.");
  m.def("candidate_sums", &candidate_sums_py, py::arg("weight"), py::arg("weighted_data"), py::arg("model"),
        "(sum weight x model^2, sum weighted_data x model) over the pixels of C-ordered arrays of one size, "
        "numpy's sums (pairwise) of the terms (weight x model) x model and weighted_data x model.");
}
