#include "polychrome/scratch_pool.hpp"

#include <algorithm>
#include <utility>

namespace polychrome {

ScratchPool::Lease::~Lease() {
  if (pool_ != nullptr) pool_->give_back(std::move(buffer_));
}

ScratchPool::Lease ScratchPool::acquire(std::size_t count) {
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    // The smallest free buffer that is large enough: large ones stay
    // available for large requests.
    auto best = free_.end();
    for (auto it = free_.begin(); it != free_.end(); ++it)
      if (it->size() >= count && (best == free_.end() || it->size() < best->size())) best = it;
    if (best != free_.end()) {
      FftScratch buffer = std::move(*best);
      free_.erase(best);
      return Lease(*this, std::move(buffer));
    }
  }
  return Lease(*this, FftScratch(count));
}

void ScratchPool::give_back(FftScratch buffer) {
  const std::lock_guard<std::mutex> lock(mutex_);
  free_.push_back(std::move(buffer));
  if (free_.size() > max_kept_) {
    const auto smallest = std::min_element(
        free_.begin(), free_.end(),
        [](const FftScratch& a, const FftScratch& b) { return a.size() < b.size(); });
    free_.erase(smallest);
  }
}

}  // namespace polychrome
