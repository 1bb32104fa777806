// Reusable work buffers for repeated large computations (convolutions).
//
// Why: a convolved render needs several MB of temporaries. Allocated afresh
// on every call they come straight from the operating system (large mallocs
// are mmap'ed and unmapped again on free), and touching them page-faults:
// measured from Python, that doubled the time of an image + Jacobian
// convolution. A pool owned by the long-lived object (the PsfConvolver)
// keeps the buffers mapped between calls. Thread-safe: concurrent callers
// get distinct buffers.
#pragma once

#include <cstddef>
#include <mutex>
#include <utility>
#include <vector>

#include "polychrome/fft.hpp"

namespace polychrome {

class ScratchPool {
 public:
  /// max_kept: buffers kept for reuse when returned (the smallest is
  /// released beyond that); about one per concurrent caller.
  explicit ScratchPool(std::size_t max_kept = 8) : max_kept_(max_kept) {}

  ScratchPool(const ScratchPool&) = delete;
  ScratchPool& operator=(const ScratchPool&) = delete;

  /// A buffer of at least count doubles (uninitialised, 64-byte aligned),
  /// held until the lease is destroyed and then returned to the pool.
  class Lease {
   public:
    Lease(ScratchPool& pool, FftScratch buffer) : pool_(&pool), buffer_(std::move(buffer)) {}
    // A moved-from lease gives nothing back (FftScratch's own move leaves a
    // stale data pointer behind, so the pool pointer is what marks it).
    Lease(Lease&& other) noexcept : pool_(other.pool_), buffer_(std::move(other.buffer_)) {
      other.pool_ = nullptr;
    }
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();
    double* data() noexcept { return buffer_.data(); }

   private:
    ScratchPool* pool_;
    FftScratch buffer_;
  };

  Lease acquire(std::size_t count);

 private:
  void give_back(FftScratch buffer);

  const std::size_t max_kept_;
  std::mutex mutex_;  // guards free_
  std::vector<FftScratch> free_;
};

}  // namespace polychrome
