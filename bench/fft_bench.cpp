// Benchmark of the 2D real FFT: forward + inverse of square float64 arrays,
// single thread, median of repeated runs. Also checks the round trip, so a
// fast but wrong build cannot go unnoticed.
//
// Usage: fft_bench [sizes...]   (default: the sizes of bench/fft_vs_scipy.py)
// Prints per size: median forward+inverse time (us), throughput in
// "FFTW flops" (5 N log2 N per complex transform of N points, halved for real
// data: 2.5 N log2 N per real transform, counted twice for forward + inverse),
// and the round-trip error max|x - irfft2(rfft2(x))| / max|x|.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <complex>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "polychrome/fft.hpp"

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// A size from the command line: a whole number in [1, kMaxSize] (std::atol
// would turn "abc" into 0 and "-1" into a huge size_t).
constexpr unsigned long kMaxSize = 1u << 14;

std::size_t parse_size(const char* text) {
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || value < 1 || static_cast<unsigned long>(value) > kMaxSize)
    throw std::invalid_argument("size must be a whole number in [1, " + std::to_string(kMaxSize) +
                                "], got '" + text + "'");
  return static_cast<std::size_t>(value);
}

void run(const std::vector<std::size_t>& sizes) {
  std::printf("%6s %12s %12s %12s %10s\n", "n", "plan_us", "fwd+inv_us", "GFlop/s", "roundtrip");
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  for (const std::size_t n : sizes) {
    const auto t_plan0 = std::chrono::steady_clock::now();
    const polychrome::RealFft2dPlan plan(n, n);
    const auto t_plan1 = std::chrono::steady_clock::now();
    const double plan_us = std::chrono::duration<double, std::micro>(t_plan1 - t_plan0).count();

    std::vector<double> x(n * n), y(n * n);
    for (double& v : x) v = uniform(rng);
    std::vector<std::complex<double>> spectrum(n * plan.spectrum_nx());

    // Enough repetitions for ~0.3 s per size, at least 5.
    const double work = static_cast<double>(n * n);
    const int reps = std::max(5, static_cast<int>(3e7 / (work * std::log2(work + 1.0))));
    std::vector<double> times;
    for (int r = 0; r < reps; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      plan.forward(x.data(), spectrum.data());
      plan.inverse(spectrum.data(), y.data());
      const auto t1 = std::chrono::steady_clock::now();
      times.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    }
    double err = 0.0, scale = 0.0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      err = std::max(err, std::abs(x[i] - y[i]));
      scale = std::max(scale, std::abs(x[i]));
    }
    const double t = median(times);
    const double flops = 2.0 * 2.5 * work * std::log2(work);
    std::printf("%6zu %12.1f %12.1f %12.2f %10.1e\n", n, plan_us, t, flops / (t * 1e3),
                err / scale);
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    std::vector<std::size_t> sizes;
    for (int i = 1; i < argc; ++i) sizes.push_back(parse_size(argv[i]));
    if (sizes.empty()) sizes = {64, 100, 128, 200, 243, 250, 256, 360, 500, 512, 1000, 1024};
    run(sizes);
  } catch (const std::exception& err) {
    std::fprintf(stderr, "fft_bench: %s\n", err.what());
    return 1;
  }
  return 0;
}
