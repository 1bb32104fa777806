#include <pybind11/pybind11.h>

#include <stdexcept>
#include <string>

#include "polychrome/bessel_k.hpp"
#include "polychrome/special_functions.hpp"

namespace py = pybind11;

void bind_special_functions(py::module_& m) {
  m.def(
      "sersic_b",
      [](double n) {
        const polychrome::SersicB sb = polychrome::sersic_b(n);
        return py::make_tuple(sb.b, sb.db_dn);
      },
      py::arg("n"),
      "Sersic b_n solving P(2n, b) = 1/2, and db_n/dn. Returns (b, db_dn).");
  m.def("regularized_gamma_p", &polychrome::regularized_gamma_p, py::arg("a"), py::arg("x"),
        "Regularised lower incomplete gamma function P(a, x).");
  m.def(
      "bessel_k0_k1",
      [](double x) {
        if (!(x > 0.0)) throw std::invalid_argument("x must be positive, got " + std::to_string(x));
        double k0 = 0.0, k1 = 0.0;
        polychrome::bessel_k0_k1(x, k0, k1);
        return py::make_tuple(k0, k1);
      },
      py::arg("x"), "The modified Bessel functions (K0(x), K1(x)) for x > 0, as the edge-on disk uses them.");
}
