// Thread-safe FFT plan cache (see fft_plan_cache.hpp).
#include "polychrome/fft_plan_cache.hpp"

namespace polychrome {

template <typename Plan, typename Make>
std::shared_ptr<const Plan> FftPlanCache::lookup(Entries<Plan>& entries,
                                                 std::pair<std::size_t, std::size_t> key,
                                                 const Make& make) {
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& entry : entries)
      if (entry.first == key) return entry.second;
  }
  // Build outside the lock: plans of other sizes stay available meanwhile. Two
  // threads may both build the same plan; the second one simply wins a
  // duplicate that is dropped below.
  std::shared_ptr<const Plan> plan = make();
  const std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& entry : entries)
    if (entry.first == key) return entry.second;
  if (capacity_ == 0) return plan;
  if (entries.size() >= capacity_) entries.pop_front();
  entries.emplace_back(key, plan);
  return plan;
}

std::shared_ptr<const ComplexFftPlan> FftPlanCache::complex_plan(std::size_t n) {
  return lookup(complex_, {n, 0}, [n] { return std::make_shared<const ComplexFftPlan>(n); });
}

std::shared_ptr<const RealFftPlan> FftPlanCache::real_plan(std::size_t n) {
  return lookup(real_, {n, 0}, [n] { return std::make_shared<const RealFftPlan>(n); });
}

std::shared_ptr<const RealFft2dPlan> FftPlanCache::real_2d_plan(std::size_t ny, std::size_t nx) {
  return lookup(real_2d_, {ny, nx},
                [ny, nx] { return std::make_shared<const RealFft2dPlan>(ny, nx); });
}

}  // namespace polychrome
