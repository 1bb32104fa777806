// C++ check of the FFT against a direct O(n^2) DFT (no Python, no numpy), so
// that builds without AVX or OpenMP (scalar fallbacks) are verified too.
// Exit status 0 on success; prints the first failure.
#include <cmath>
#include <complex>
#include <cstdio>
#include <random>
#include <stdexcept>
#include <vector>

#include "polychrome/fft.hpp"

namespace {

using cd = std::complex<double>;
constexpr double kPi = 3.14159265358979323846;

// Direct 2D DFT of a real ny x nx array, rfft2 layout.
std::vector<cd> direct_rfft2(const std::vector<double>& x, std::size_t ny, std::size_t nx) {
  const std::size_t nc = nx / 2 + 1;
  std::vector<cd> out(ny * nc);
  for (std::size_t ky = 0; ky < ny; ++ky)
    for (std::size_t kx = 0; kx < nc; ++kx) {
      cd sum = 0.0;
      for (std::size_t y = 0; y < ny; ++y)
        for (std::size_t xx = 0; xx < nx; ++xx) {
          const double phase = -2.0 * kPi *
                               (static_cast<double>((ky * y) % ny) / static_cast<double>(ny) +
                                static_cast<double>((kx * xx) % nx) / static_cast<double>(nx));
          sum += x[y * nx + xx] * cd(std::cos(phase), std::sin(phase));
        }
      out[ky * nc + kx] = sum;
    }
  return out;
}

double rel_err(const std::vector<cd>& a, const std::vector<cd>& b) {
  double num = 0.0, den = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    num += std::norm(a[i] - b[i]);
    den += std::norm(b[i]);
  }
  return std::sqrt(num / (den > 0.0 ? den : 1.0));
}

bool check(bool ok, const char* what, std::size_t ny, std::size_t nx, double err) {
  if (!ok) std::printf("FAIL %s ny=%zu nx=%zu err=%.3g\n", what, ny, nx, err);
  return ok;
}

}  // namespace

int main() {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> normal;
  bool ok = true;
  const std::size_t shapes[][2] = {{1, 1},  {1, 6},   {2, 3},  {5, 8},  {12, 15},
                                   {18, 30}, {50, 27}, {16, 20}, {45, 64}, {81, 9}};
  for (const auto& shape : shapes) {
    const std::size_t ny = shape[0], nx = shape[1];
    const polychrome::RealFft2dPlan plan(ny, nx);
    const std::size_t count = 3;
    std::vector<double> x(count * ny * nx), back(x.size());
    for (double& v : x) v = normal(rng);
    std::vector<cd> spec(count * ny * plan.spectrum_nx());
    plan.forward(x.data(), spec.data(), count, 2);
    plan.inverse(spec.data(), back.data(), count, 2);
    for (std::size_t a = 0; a < count; ++a) {
      const std::vector<double> one(x.begin() + a * ny * nx, x.begin() + (a + 1) * ny * nx);
      const std::vector<cd> ref = direct_rfft2(one, ny, nx);
      const std::vector<cd> got(spec.begin() + a * ref.size(), spec.begin() + (a + 1) * ref.size());
      const double e = rel_err(got, ref);
      ok = check(e < 1e-12, "rfft2 vs direct DFT", ny, nx, e) && ok;
    }
    double e = 0.0;
    for (std::size_t i = 0; i < x.size(); ++i) e = std::max(e, std::abs(x[i] - back[i]));
    ok = check(e < 1e-12, "irfft2(rfft2(x)) == x", ny, nx, e) && ok;
  }
  // 1D complex against the direct DFT, single sequences and a batch.
  for (const std::size_t n : {1, 2, 3, 4, 5, 8, 12, 15, 60, 100, 243}) {
    const polychrome::ComplexFftPlan plan(n);
    for (const std::size_t count : {1, 11}) {
      std::vector<cd> z(n * count), out(n * count);
      for (cd& v : z) v = cd(normal(rng), normal(rng));
      plan.transform(z.data(), out.data(), count, polychrome::FftDirection::forward);
      for (std::size_t a = 0; a < count; ++a) {
        std::vector<cd> ref(n), got(out.begin() + a * n, out.begin() + (a + 1) * n);
        for (std::size_t k = 0; k < n; ++k)
          for (std::size_t t = 0; t < n; ++t) {
            const double phase = -2.0 * kPi * static_cast<double>((k * t) % n) / static_cast<double>(n);
            ref[k] += z[a * n + t] * cd(std::cos(phase), std::sin(phase));
          }
        const double e = rel_err(got, ref);
        ok = check(e < 1e-12, "complex fft vs direct DFT", count, n, e) && ok;
      }
    }
  }
  // Sizes that are not 2^a 3^b 5^c are refused.
  try {
    const polychrome::ComplexFftPlan bad(14);
    ok = check(false, "size 14 accepted", 0, 14, 0.0);
  } catch (const std::invalid_argument&) {
  }
  std::printf(ok ? "fft tests passed\n" : "fft tests FAILED\n");
  return ok ? 0 : 1;
}
