// A thread-safe cache of FFT plans, so that repeated transforms of one size do
// not recompute twiddles (a few microseconds per plan: noticeable next to a
// 64 x 64 transform, negligible for 1024 x 1024).
//
// Owned by whoever needs it (the convolution engine, the Python bindings); no
// global cache exists. Plans are handed out as shared_ptr<const ...>: they are
// immutable, usable from many threads at once, and stay alive while in use
// even if the cache evicts them.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <utility>

#include "polychrome/fft.hpp"

namespace polychrome {

class FftPlanCache {
 public:
  /// capacity: plans kept per kind (complex 1D, real 1D, real 2D); the oldest
  /// is dropped when a new one would exceed it.
  explicit FftPlanCache(std::size_t capacity = 32) : capacity_(capacity) {}

  FftPlanCache(const FftPlanCache&) = delete;
  FftPlanCache& operator=(const FftPlanCache&) = delete;

  /// The plan for that size, built on first use. Throws std::invalid_argument
  /// (from the plan) for sizes not of the form 2^a 3^b 5^c.
  std::shared_ptr<const ComplexFftPlan> complex_plan(std::size_t n);
  std::shared_ptr<const RealFftPlan> real_plan(std::size_t n);
  std::shared_ptr<const RealFft2dPlan> real_2d_plan(std::size_t ny, std::size_t nx);

 private:
  template <typename Plan>
  using Entries = std::deque<std::pair<std::pair<std::size_t, std::size_t>, std::shared_ptr<const Plan>>>;

  template <typename Plan, typename Make>
  std::shared_ptr<const Plan> lookup(Entries<Plan>& entries, std::pair<std::size_t, std::size_t> key,
                                     const Make& make);

  std::size_t capacity_;
  std::mutex mutex_;  // guards the three lists below
  Entries<ComplexFftPlan> complex_;
  Entries<RealFftPlan> real_;
  Entries<RealFft2dPlan> real_2d_;
};

}  // namespace polychrome
