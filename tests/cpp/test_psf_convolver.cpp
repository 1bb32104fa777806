// C++ check of PsfConvolver against a direct convolution sum and of
// PsfImage's validation (no Python), so builds without OpenMP or AVX are
// verified too. Exit status 0 on success; prints each failure.
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <set>
#include <stdexcept>
#include <vector>

#include "polychrome/psf_convolver.hpp"

namespace {

// out(i, j) = sum_{a, b} psf(a, b) padded(i + 2 hy - a, j + 2 hx - b).
std::vector<double> direct(const std::vector<double>& padded, const polychrome::PsfImage& psf,
                           int wy, int wx) {
  const int hy = psf.half_height(), hx = psf.half_width();
  const int lx = wx + 2 * hx;
  std::vector<double> out(static_cast<std::size_t>(wy) * wx, 0.0);
  for (int i = 0; i < wy; ++i)
    for (int j = 0; j < wx; ++j) {
      double sum = 0.0;
      for (int a = 0; a < psf.ny(); ++a)
        for (int b = 0; b < psf.nx(); ++b)
          sum += psf.at(a, b) * padded[static_cast<std::size_t>(i + 2 * hy - a) * lx + (j + 2 * hx - b)];
      out[static_cast<std::size_t>(i) * wx + j] = sum;
    }
  return out;
}

bool throws_invalid(const std::vector<double>& values, int ny, int nx) {
  try {
    polychrome::PsfImage psf(values.data(), ny, nx);
  } catch (const std::invalid_argument&) {
    return true;
  }
  return false;
}

}  // namespace

int main() {
  bool ok = true;
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  const int cases[][4] = {{1, 1, 4, 5}, {3, 5, 1, 1}, {7, 3, 17, 12}, {11, 11, 30, 30}, {21, 9, 9, 40}};
  for (const auto& c : cases) {
    const int py = c[0], px = c[1], wy = c[2], wx = c[3];
    std::vector<double> values(static_cast<std::size_t>(py) * px);
    for (double& v : values) v = uniform(rng) + 0.1;
    const polychrome::PsfConvolver conv(polychrome::PsfImage(values.data(), py, px));
    const std::size_t padded_size = static_cast<std::size_t>(wy + 2 * (py / 2)) * (wx + 2 * (px / 2));
    const std::size_t count = 3, size = static_cast<std::size_t>(wy) * wx;
    std::vector<double> padded(count * padded_size), out(count * size);
    for (double& v : padded) v = uniform(rng) - 0.5;
    for (const int threads : {1, 2}) {
      conv.convolve(padded.data(), count, wy, wx, out.data(), threads);
      for (std::size_t a = 0; a < count; ++a) {
        const std::vector<double> one(padded.begin() + a * padded_size,
                                      padded.begin() + (a + 1) * padded_size);
        const std::vector<double> ref = direct(one, conv.psf(), wy, wx);
        double err = 0.0, scale = 0.0;
        for (std::size_t k = 0; k < size; ++k) {
          err = std::max(err, std::abs(out[a * size + k] - ref[k]));
          scale = std::max(scale, std::abs(ref[k]));
        }
        if (!(err <= 1e-12 * scale)) {
          std::printf("FAIL convolve psf %dx%d window %dx%d threads %d: error %.2e\n", py, px, wy,
                      wx, threads, err / scale);
          ok = false;
        }
      }
    }
  }
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const struct {
    std::vector<double> values;
    int ny, nx;
    const char* what;
  } bad[] = {{std::vector<double>(4, 1.0), 2, 2, "even size"},
             {std::vector<double>(9, 0.0), 3, 3, "zero sum"},
             {{1, 0, 0, 0, 0, 0, 0, 0, -1}, 3, 3, "cancelling sum"},
             {{1, 1, 1, 1, nan, 1, 1, 1, 1}, 3, 3, "NaN"}};
  for (const auto& b : bad)
    if (!throws_invalid(b.values, b.ny, b.nx)) {
      std::printf("FAIL PsfImage accepted a PSF with %s\n", b.what);
      ok = false;
    }
  // The transforms kept: every size while the spectra fit the budget (a survey's cutouts come in
  // many sizes), only `capacity` of them (the newest) when they do not.
  const std::vector<double> psf9(81, 1.0);
  for (const std::size_t budget : {std::size_t{1} << 30, std::size_t{0}}) {
    const polychrome::PsfConvolver conv(polychrome::PsfImage(psf9.data(), 9, 9), 2, budget);
    const int sizes = 20;
    for (int w = 1; w <= sizes; ++w) {
      std::vector<double> in(static_cast<std::size_t>(w + 8) * (w + 8), 1.0);
      std::vector<double> result(static_cast<std::size_t>(w) * w);
      conv.convolve(in.data(), 1, w, w, result.data(), 1);
    }
    std::set<std::pair<std::size_t, std::size_t>> shapes;
    for (int w = 1; w <= sizes; ++w) shapes.insert(conv.fft_shape(w, w));
    const std::size_t expected = budget > 0 ? shapes.size() : 2;
    if (conv.cached_sizes() != expected) {
      std::printf("FAIL PsfConvolver kept %zu FFT sizes with a budget of %zu bytes, expected %zu\n",
                  conv.cached_sizes(), budget, expected);
      ok = false;
    }
  }
  std::printf(ok ? "test_psf_convolver: all passed\n" : "test_psf_convolver: FAILED\n");
  return ok ? 0 : 1;
}
