// Render-speed benchmark of the C++ core: one Sersic profile on square images
// of growing size, image alone and image + analytic Jacobian.
//
// Profile: n = 2.5, Re = size/25 px, q = 0.6, PA = 30 deg, centre 0.3 px right
// of and 0.2 px below the image centre (off every pixel centre), pixelscale
// 1 arcsec/px, default RenderOptions (tolerance 1e-5, all threads).
//
// Usage: render_bench [--threads N] [--seconds S]
//   Each timing is the median over repetitions lasting about S seconds
//   (default 0.3) after one warm-up call.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "polychrome/profile_factory.hpp"
#include "polychrome/render.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct BenchCase {
  polychrome::PixelGrid grid;
  polychrome::Ellipse ellipse;
  polychrome::AnyProfile profile;
};

/// The benchmark Sersic on a size x size grid (pixelscale 1, origin (0, 0)).
BenchCase make_case(int size) {
  polychrome::PixelGrid grid;
  grid.nx = size;
  grid.ny = size;
  const double pi = std::acos(-1.0);
  const polychrome::Ellipse ellipse{0.5 * size + 0.3, 0.5 * size - 0.2, 0.6, 30.0 * pi / 180.0};
  const double re = size / 25.0;  // px = arcsec here
  return {grid, ellipse, polychrome::make_profile("sersic", {2.5, re, 0.0}, {})};
}

/// Wall time of one call of f, milliseconds.
template <class F>
double time_once_ms(F&& f) {
  const auto t0 = Clock::now();
  f();
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

/// Median wall time (ms) of f over repetitions lasting about `seconds` in
/// total (at least 3), after one untimed warm-up call.
template <class F>
double median_ms(F&& f, double seconds) {
  f();
  std::vector<double> times;
  double spent_ms = 0.0;
  while (times.size() < 3 || spent_ms < 1e3 * seconds) {
    times.push_back(time_once_ms(f));
    spent_ms += times.back();
  }
  std::nth_element(times.begin(), times.begin() + times.size() / 2, times.end());
  return times[times.size() / 2];
}

struct Args {
  int threads = 0;
  double seconds = 0.3;
};

Args parse_args(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) {
      args.threads = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--seconds") && i + 1 < argc) {
      args.seconds = std::atof(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: %s [--threads N] [--seconds S]\n", argv[0]);
      std::exit(2);
    }
  }
  return args;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse_args(argc, argv);
  polychrome::RenderOptions options;
  // The core takes a count (Python's thread_policy decides it there); 0 here means every core.
  options.threads = args.threads > 0 ? args.threads : static_cast<int>(std::thread::hardware_concurrency());

  double load[1] = {0.0};
  if (getloadavg(load, 1) == 1)
    std::printf("load average before start: %.2f (timings are only meaningful on an idle machine)\n",
                load[0]);
  std::printf("Sersic n=2.5, Re=size/25 px, q=0.6, PA=30 deg, tolerance=%g, threads=%d\n",
              options.tolerance, options.threads);
  std::printf("%6s %12s %10s %14s %10s\n", "size", "image ms", "Mpix/s", "image+jac ms", "jac/image");
  for (int size : {64, 128, 256, 512, 1024, 2048}) {
    const BenchCase c = make_case(size);
    const std::size_t npix = static_cast<std::size_t>(size) * size;
    std::vector<double> image(npix);
    std::vector<double> jac(npix * polychrome::jacobian_size(c.profile));
    const double t_image = median_ms(
        [&] { polychrome::render(c.grid, c.ellipse, c.profile, options, image.data(), nullptr); },
        args.seconds);
    const double t_jac = median_ms(
        [&] { polychrome::render(c.grid, c.ellipse, c.profile, options, image.data(), jac.data()); },
        args.seconds);
    std::printf("%6d %12.3f %10.1f %14.3f %10.2f\n", size, t_image, npix / (1e3 * t_image), t_jac,
                t_jac / t_image);
  }
  return 0;
}
