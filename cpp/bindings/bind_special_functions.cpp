#include <pybind11/pybind11.h>

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
}
