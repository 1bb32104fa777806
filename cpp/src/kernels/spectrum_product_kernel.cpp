// The PSF convolution's spectrum product (psf_convolver.cpp), compiled once
// per CPU level.
#include "kernels.hpp"

namespace polychrome::POLYCHROME_KERNEL_NAMESPACE {

void multiply_spectra(double* row, const double* psf_row, std::size_t count) {
  // Spelled out in real arithmetic: std::complex's operator* must handle
  // inf/NaN (C Annex G) and compiles to a library call per product.
  for (std::size_t c = 0; c < 2 * count; c += 2) {
    const double re = row[c] * psf_row[c] - row[c + 1] * psf_row[c + 1];
    const double im = row[c] * psf_row[c + 1] + row[c + 1] * psf_row[c];
    row[c] = re;
    row[c + 1] = im;
  }
}

}  // namespace polychrome::POLYCHROME_KERNEL_NAMESPACE
