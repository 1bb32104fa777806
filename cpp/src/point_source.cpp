#include "polychrome/point_source.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "polychrome/profile.hpp"

namespace polychrome {

namespace {

constexpr double kTwoPi = 6.283185307179586476925286766559;

// Smallest odd size >= n that the FFT supports (a product of 3s and 5s).
std::size_t odd_fast_size(std::size_t n) {
  std::size_t m = next_fast_size(n);
  while (m % 2 == 0) m = next_fast_size(m + 1);
  return m;
}

// Signed frequency of bin b of an n-point transform (n odd): b or b - n.
double signed_frequency(std::size_t b, std::size_t n) {
  return b <= n / 2 ? static_cast<double>(b) : static_cast<double>(b) - static_cast<double>(n);
}

}  // namespace

PointSourceRenderer::PointSourceRenderer(PsfImage psf)
    : psf_(std::move(psf)),
      plan_(odd_fast_size(static_cast<std::size_t>(psf_.ny()) + 2 * kShiftMargin),
            odd_fast_size(static_cast<std::size_t>(psf_.nx()) + 2 * kShiftMargin)),
      spectrum_(plan_.ny() * plan_.spectrum_nx()) {
  const std::size_t my = plan_.ny(), mx = plan_.nx();
  std::vector<double> wrapped(my * mx, 0.0);
  const int hy = psf_.half_height(), hx = psf_.half_width();
  for (int i = 0; i < psf_.ny(); ++i) {
    const std::size_t r = static_cast<std::size_t>(i - hy + static_cast<int>(my)) % my;
    for (int j = 0; j < psf_.nx(); ++j) {
      const std::size_t c = static_cast<std::size_t>(j - hx + static_cast<int>(mx)) % mx;
      wrapped[r * mx + c] = psf_.at(i, j);
    }
  }
  plan_.forward(wrapped.data(), spectrum_.data());
}

void PointSourceRenderer::render(const PixelGrid& grid, double x, double y, double flux,
                                 int psf_upsample, double* image, double* jac) const {
  const int k = psf_upsample;
  if (k < 1) throw std::invalid_argument("psf_upsample must be >= 1, got " + std::to_string(k));
  grid.validate();
  require_finite(x, "position[0]");
  require_finite(y, "position[1]");
  require_finite(flux, "flux");

  const std::size_t size = static_cast<std::size_t>(grid.ny) * static_cast<std::size_t>(grid.nx);
  std::fill(image, image + size, 0.0);
  if (jac) std::fill(jac, jac + kJacobianSize * size, 0.0);

  // Continuous fine-pixel coordinates of the source: (u, v) = k P^-1 (p - origin).
  const double det = grid.P[0][0] * grid.P[1][1] - grid.P[0][1] * grid.P[1][0];
  const double inv[2][2] = {{grid.P[1][1] / det, -grid.P[0][1] / det},
                            {-grid.P[1][0] / det, grid.P[0][0] / det}};
  const double dx = x - grid.origin_x, dy = y - grid.origin_y;
  const double u = k * (inv[0][0] * dx + inv[0][1] * dy);
  const double v = k * (inv[1][0] * dx + inv[1][1] * dy);
  const std::size_t my = plan_.ny(), mx = plan_.nx();
  const double reach_y = static_cast<double>(my), reach_x = static_cast<double>(mx);
  // Far outside the grid nothing lands on it (and the pixel index below
  // could overflow an int).
  if (!(u > -reach_x && u < static_cast<double>(k) * grid.nx + reach_x && v > -reach_y &&
        v < static_cast<double>(k) * grid.ny + reach_y) ||
      size == 0)
    return;

  // The fine pixel holding the source and the sub-pixel offset f in
  // [-0.5, 0.5) of the source from that pixel's centre: the shifted PSF
  // g(d) = psf(d - f) goes to fine pixel (centre pixel + d).
  const int jc = static_cast<int>(std::floor(u)), ic = static_cast<int>(std::floor(v));
  const double fx = u - 0.5 - jc, fy = v - 0.5 - ic;

  // Shifted spectrum G = S exp(-2 pi i (ky fy / my + kx fx / mx)) and, for
  // the Jacobian, dG/dfx = -2 pi i kx/mx G and dG/dfy = -2 pi i ky/my G.
  const std::size_t nc = plan_.spectrum_nx();
  const std::size_t count = jac ? 3 : 1;
  std::vector<std::complex<double>> spectra(count * my * nc);
  std::vector<std::complex<double>> phase_x(nc);
  for (std::size_t c = 0; c < nc; ++c) phase_x[c] = std::polar(1.0, -kTwoPi * c * fx / reach_x);
  const std::size_t plane = my * nc;
  for (std::size_t r = 0; r < my; ++r) {
    const double ky = signed_frequency(r, my);
    const std::complex<double> phase_y = std::polar(1.0, -kTwoPi * ky * fy / reach_y);
    for (std::size_t c = 0; c < nc; ++c) {
      const std::size_t b = r * nc + c;
      const std::complex<double> g = spectrum_[b] * phase_y * phase_x[c];
      spectra[b] = g;
      if (jac) {
        spectra[plane + b] = std::complex<double>(0.0, -kTwoPi * c / reach_x) * g;
        spectra[2 * plane + b] = std::complex<double>(0.0, -kTwoPi * ky / reach_y) * g;
      }
    }
  }
  std::vector<double> shifted(count * my * mx);
  plan_.inverse(spectra.data(), shifted.data(), count);

  // Chain rule: d/dx = d/dfx du/dx + d/dfy dv/dx, with (u, v) = k P^-1 p.
  const double dfx_dx = k * inv[0][0], dfy_dx = k * inv[1][0];
  const double dfx_dy = k * inv[0][1], dfy_dy = k * inv[1][1];
  const int half_y = static_cast<int>(my / 2), half_x = static_cast<int>(mx / 2);
  const int fine_ny = k * grid.ny, fine_nx = k * grid.nx;
  for (int d = -half_y; d <= half_y; ++d) {
    const int t = ic + d;  // fine row
    if (t < 0 || t >= fine_ny) continue;
    const std::size_t src_row = static_cast<std::size_t>(d + static_cast<int>(my)) % my * mx;
    const std::size_t dst_row = static_cast<std::size_t>(t / k) * static_cast<std::size_t>(grid.nx);
    for (int e = -half_x; e <= half_x; ++e) {
      const int s = jc + e;  // fine column
      if (s < 0 || s >= fine_nx) continue;
      const std::size_t src = src_row + static_cast<std::size_t>(e + static_cast<int>(mx)) % mx;
      const std::size_t dst = dst_row + static_cast<std::size_t>(s / k);
      const double g = shifted[src];
      image[dst] += flux * g;
      if (jac) {
        const double gx = shifted[my * mx + src], gy = shifted[2 * my * mx + src];
        jac[dst] += flux * (gx * dfx_dx + gy * dfy_dx);
        jac[size + dst] += flux * (gx * dfx_dy + gy * dfy_dy);
        jac[2 * size + dst] += g;
      }
    }
  }
}

}  // namespace polychrome
