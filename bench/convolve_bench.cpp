// Benchmark of PSF convolution: a 51 x 51 Moffat PSF convolved with square
// windows of 64..1024 pixels, for 1 array (an image) and for 1 + 7 arrays (an
// image and a 7-column Jacobian, one batched call), median of repeated runs;
// then the full PSF-convolved 256 x 256 Sersic render (image, image +
// Jacobian). Also checks that convolution conserves the flux of an array whose
// light lies well inside the window, so a fast but wrong build cannot go
// unnoticed.
//
// Usage: convolve_bench [threads] [sizes...]   (threads 0 = all cores; default 1)
// Prints per size: FFT shape, median time (ms) for 1 and for 8 arrays, their
// ratio, megapixels (window pixels x arrays) per second for the batch, and the
// flux error.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <thread>
#include <vector>

#include "polychrome/profiles/sersic.hpp"
#include "polychrome/psf_convolver.hpp"
#include "polychrome/render_convolved.hpp"

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

template <typename F>
double median_ms(int reps, const F& f) {
  std::vector<double> times;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    const auto t1 = std::chrono::steady_clock::now();
    times.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  return median(times);
}

// Moffat PSF: beta 3, FWHM 4 pixels, 51 x 51, centre pixel (25, 25).
std::vector<double> moffat_psf(int size) {
  const double beta = 3.0, fwhm = 4.0;
  const double alpha = fwhm / (2.0 * std::sqrt(std::pow(2.0, 1.0 / beta) - 1.0));
  std::vector<double> psf(static_cast<std::size_t>(size) * size);
  const int h = size / 2;
  for (int i = 0; i < size; ++i)
    for (int j = 0; j < size; ++j) {
      const double r2 = static_cast<double>((i - h) * (i - h) + (j - h) * (j - h));
      psf[static_cast<std::size_t>(i) * size + j] = std::pow(1.0 + r2 / (alpha * alpha), -beta);
    }
  return psf;
}

}  // namespace

int main(int argc, char** argv) {
  // The core takes a count (Python's thread_policy decides it there); 0 here means every core.
  const int asked = argc > 1 ? std::atoi(argv[1]) : 1;
  const int threads = asked > 0 ? asked : static_cast<int>(std::thread::hardware_concurrency());
  std::vector<int> sizes;
  for (int i = 2; i < argc; ++i) sizes.push_back(std::atoi(argv[i]));
  if (sizes.empty()) sizes = {64, 128, 256, 512, 1024};

  const int psf_size = 51;
  const std::vector<double> psf_values = moffat_psf(psf_size);
  const polychrome::PsfConvolver conv(polychrome::PsfImage(psf_values.data(), psf_size, psf_size));
  const int pad = conv.pad_y();
  std::printf("threads %d, PSF %d x %d\n", threads, psf_size, psf_size);
  std::printf("%6s %11s %10s %10s %7s %12s %10s\n", "n", "fft", "1arr_ms", "8arr_ms", "ratio",
              "Mpix/s(8)", "flux_err");
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  for (const int n : sizes) {
    const int len = n + 2 * pad;
    const std::size_t padded_size = static_cast<std::size_t>(len) * len;
    const std::size_t size = static_cast<std::size_t>(n) * n;
    // Light only farther than the PSF half-width inside the window: none of
    // it can leave, so the convolved sum must equal the input sum.
    std::vector<double> in(8 * padded_size, 0.0);
    for (int a = 0; a < 8; ++a)
      for (int i = 2 * pad; i < len - 2 * pad; ++i)
        for (int j = 2 * pad; j < len - 2 * pad; ++j)
          in[a * padded_size + static_cast<std::size_t>(i) * len + j] = uniform(rng);
    std::vector<double> out(8 * size);
    conv.convolve(in.data(), 1, n, n, out.data(), threads);  // plans and PSF spectrum
    const int reps = std::max(5, static_cast<int>(2e7 / static_cast<double>(padded_size * 8)));
    const double t1 = median_ms(reps, [&] { conv.convolve(in.data(), 1, n, n, out.data(), threads); });
    const double t8 = median_ms(reps, [&] { conv.convolve(in.data(), 8, n, n, out.data(), threads); });
    double err = 0.0;
    for (int a = 0; a < 8; ++a) {
      double sin = 0.0, sout = 0.0;
      for (std::size_t k = 0; k < padded_size; ++k) sin += in[a * padded_size + k];
      for (std::size_t k = 0; k < size; ++k) sout += out[a * size + k];
      err = std::max(err, std::abs(sout / sin - 1.0));
    }
    const auto shape = conv.fft_shape(n, n);
    char fft[32];
    std::snprintf(fft, sizeof fft, "%zux%zu", shape.first, shape.second);
    std::printf("%6d %11s %10.3f %10.3f %7.2f %12.1f %10.1e\n", n, fft, t1, t8, t8 / t1,
                8.0 * static_cast<double>(size) / (t8 * 1e3), err);
  }

  // The full model: Sersic n = 2.5, Re = 10 px, q = 0.6, PA = 30 deg, 256 x 256.
  polychrome::PixelGrid grid;
  grid.nx = grid.ny = 256;
  const polychrome::Ellipse ellipse{128.3, 127.7, 0.6, 30.0 * 3.14159265358979323846 / 180.0};
  const polychrome::AnyProfile profile = polychrome::SersicProfile(2.5, 10.0, 0.0);
  polychrome::RenderOptions opt;
  opt.threads = threads;
  std::vector<double> image(256 * 256), jac(7 * 256 * 256);
  const int reps = 50;
  const double t_render = median_ms(reps, [&] {
    polychrome::render(grid, ellipse, profile, opt, image.data(), nullptr);
  });
  const double t_image = median_ms(reps, [&] {
    polychrome::render_convolved(grid, ellipse, profile, opt, conv, 1, image.data(), nullptr);
  });
  const double t_jac = median_ms(reps, [&] {
    polychrome::render_convolved(grid, ellipse, profile, opt, conv, 1, image.data(), jac.data());
  });
  std::printf("Sersic 256x256 (n 2.5, Re 10 px, q 0.6, PA 30 deg), Moffat PSF 51x51:\n");
  std::printf("  render only %.3f ms; convolved image %.3f ms; convolved image + 7-column "
              "Jacobian %.3f ms (%.2fx the image)\n",
              t_render, t_image, t_jac, t_jac / t_image);
  return 0;
}
