#include <pybind11/pybind11.h>

#include <cmath>
#include <stdexcept>
#include <string>

#include "polychrome/airy_function.hpp"
#include "polychrome/bessel_k.hpp"
#include "polychrome/bessel_k_fast.hpp"
#include "polychrome/erfc_fast.hpp"
#include "polychrome/sersic_flux.hpp"
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
  m.def(
      "sersic_flux_offset_derivatives",
      [](double n, double Re, double q) {
        const auto d = polychrome::sersic_flux_offset_derivatives(n, Re, q);
        return py::make_tuple(d.b, d.dg_dn, d.dg_dre, d.dg_dq);
      },
      py::arg("n"), py::arg("Re"), py::arg("q"),
      "(b_n, dg/dn, dg/dRe, dg/dq) of g = log10(total flux) - Ie of a Sersic of index n, Re arcsec "
      "and axis ratio q (dg/dRe in 1/arcsec). ValueError unless n, Re, q > 0.");
  m.def("regularized_gamma_p", py::overload_cast<double, double>(&polychrome::regularized_gamma_p), py::arg("a"), py::arg("x"),
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
  m.def(
      "bessel_k0_k1_fast",
      [](double x) {
        if (!(x > 0.0)) throw std::invalid_argument("x must be positive, got " + std::to_string(x));
        double k0 = 0.0, k1 = 0.0;
        polychrome::bessel_k0_k1_fast(x, k0, k1);
        return py::make_tuple(k0, k1, polychrome::bessel_k1_fast(x));
      },
      py::arg("x"),
      "(K0(x), K1(x), K1(x) alone) for x > 0 by the vectorisable forms of the edge-on disk's fast path.");
  m.def(
      "erfc_fast",
      [](double z) {
        if (!(z >= 0.0 && std::isfinite(z)))
          throw std::invalid_argument("z must be finite and non-negative, got " + std::to_string(z));
        const double gauss = polychrome::exp_minus_square(z);
        return py::make_tuple(polychrome::erfc_nonnegative(z, gauss), gauss);
      },
      py::arg("z"), "(erfc(z), exp(-z^2)) for z >= 0, as the exact Gaussian renderer evaluates them.");
  m.def(
      "airy_amplitude",
      [](double x) {
        if (!(x >= 0.0 && std::isfinite(x)))
          throw std::invalid_argument("x must be finite and non-negative, got " + std::to_string(x));
        double f = 0.0, df = 0.0;
        if (x <= polychrome::kAiryFastLimit)
          polychrome::airy_amplitude(x, f, df);
        else
          polychrome::airy_amplitude_far(x, f, df);
        return py::make_tuple(f, df);
      },
      py::arg("x"), "(2 J1(x)/x, its derivative -2 J2(x)/x) for x >= 0, as the Airy renderer evaluates them.");
}
