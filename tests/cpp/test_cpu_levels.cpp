// C++ check of the runtime CPU dispatch: every compiled level this CPU runs
// renders (with the Jacobian), transforms and accumulates normal equations
// like the lowest level, to 1e-12 of each array's largest value; the chosen
// level is one of them. Calls each level's table directly (no POLYCHROME_CPU).
// Exit status 0 on success; prints the first failure.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "polychrome/cpu_kernels.hpp"
#include "polychrome/fft.hpp"
#include "polychrome/profile_factory.hpp"

namespace {

using polychrome::CpuKernels;

// Largest |a - b| over the largest |b|.
double relative_difference(const std::vector<double>& a, const std::vector<double>& b) {
  double diff = 0.0, scale = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff = std::max(diff, std::abs(a[i] - b[i]));
    scale = std::max(scale, std::abs(b[i]));
  }
  return diff / scale;
}

std::vector<double> render_with(const CpuKernels& k) {
  polychrome::PixelGrid grid;
  grid.ny = 40;
  grid.nx = 37;
  const polychrome::Ellipse ellipse{18.3, 20.6, 0.55, 0.7};
  const polychrome::AnyProfile sersic = polychrome::make_profile("sersic", {3.5, 5.0, 0.0}, {});
  polychrome::RenderOptions options;
  options.threads = 1;
  const std::size_t size = static_cast<std::size_t>(grid.ny * grid.nx);
  std::vector<double> out(size * (1 + polychrome::jacobian_size(sersic)));
  k.render(grid, ellipse, sersic, options, out.data(), out.data() + size);
  return out;
}

// A forward then backward pass of 8 lanes of a 60-point complex transform.
std::vector<double> fft_with(const CpuKernels& k) {
  const polychrome::ComplexFftPlan plan(60);
  std::mt19937_64 rng(3);
  std::normal_distribution<double> normal;
  std::vector<double> data(2 * 60 * polychrome::kFftLanes);
  for (double& v : data) v = normal(rng);
  polychrome::FftScratch scratch(plan.scratch_size());
  polychrome::FftLanesIn in;
  polychrome::FftLanesOut out;
  in.count = out.count = polychrome::kFftLanes;
  for (int l = 0; l < polychrome::kFftLanes; ++l) {
    in.base[l] = out.base[l] = data.data() + 2 * 60 * l;
    in.stride[l] = out.stride[l] = 2;
  }
  std::vector<double> result;
  k.fft_lanes(plan, in, out, polychrome::FftDirection::forward, 1.0, scratch.data());
  result = data;
  k.fft_lanes(plan, in, out, polychrome::FftDirection::backward, 1.0 / 60, scratch.data());
  result.insert(result.end(), data.begin(), data.end());
  return result;
}

std::vector<double> normal_equations_with(const CpuKernels& k) {
  const std::size_t n = 3001, p = 6;
  std::mt19937_64 rng(4);
  std::normal_distribution<double> normal;
  std::vector<double> r(n), w(n), j(n * p);
  for (double& v : r) v = normal(rng);
  for (double& v : w) v = 1.0 + 0.5 * std::abs(normal(rng));
  for (double& v : j) v = normal(rng);
  std::vector<double> out(1 + p + p * p, 0.0);
  k.normal_equations(r.data(), w.data(), j.data(), n, p, &out[0], &out[1], &out[1 + p], 1);
  return out;
}

}  // namespace

int main() {
  const std::vector<std::string> levels = polychrome::compiled_cpu_levels();
  if (levels.empty()) {
    std::printf("FAIL: no CPU level compiled\n");
    return 1;
  }
  const std::string chosen = polychrome::cpu_kernels().level;
  if (std::find(levels.begin(), levels.end(), chosen) == levels.end()) {
    std::printf("FAIL: the level in use, %s, is not a compiled one\n", chosen.c_str());
    return 1;
  }
  const CpuKernels* lowest = polychrome::compiled_kernels(levels.front());
  if (lowest == nullptr || polychrome::compiled_kernels("no such level") != nullptr) {
    std::printf("FAIL: compiled_kernels does not find the compiled levels only\n");
    return 1;
  }
  const std::vector<double> render0 = render_with(*lowest), fft0 = fft_with(*lowest);
  const std::vector<double> normal0 = normal_equations_with(*lowest);
  int checked = 0;
  for (const std::string& level : levels) {
    if (!polychrome::cpu_supports_level(level)) continue;
    const CpuKernels& k = *polychrome::compiled_kernels(level);
    if (level != k.level) {
      std::printf("FAIL: the table of %s says it is %s\n", level.c_str(), k.level);
      return 1;
    }
    const double errors[3] = {relative_difference(render_with(k), render0),
                              relative_difference(fft_with(k), fft0),
                              relative_difference(normal_equations_with(k), normal0)};
    const char* names[3] = {"render + Jacobian", "FFT", "normal equations"};
    for (int i = 0; i < 3; ++i)
      if (!(errors[i] <= 1e-12)) {
        std::printf("FAIL: %s at %s differs from %s by %.3g of its largest value\n", names[i], level.c_str(),
                    levels.front().c_str(), errors[i]);
        return 1;
      }
    ++checked;
  }
  std::printf("ok: %d CPU level(s) agree with %s; in use: %s\n", checked, levels.front().c_str(), chosen.c_str());
  return 0;
}
