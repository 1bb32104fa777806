// Sizes the FFT supports (2^a 3^b 5^c) and the aligned scratch buffer the
// kernels work in.
#include <cstdint>
#include <cstdlib>
#include <new>
#include <limits>
#include <memory>
#include <stdexcept>

#include "polychrome/fft.hpp"

namespace polychrome {

bool is_fast_fft_size(std::size_t n) noexcept {
  if (n == 0) return false;
  for (const std::size_t p : {2, 3, 5})
    while (n % p == 0) n /= p;
  return n == 1;
}

std::size_t next_fast_size(std::size_t n) {
  if (n <= 1) return 1;
  constexpr std::size_t kMax = std::numeric_limits<std::size_t>::max();
  std::size_t best = kMax;
  // Enumerate the odd part 3^b 5^c <= 2n (every candidate < 2n: a power of
  // two times it reaches [n, 2n)), then the smallest power of two lifting it to
  // at least n.
  for (std::size_t p5 = 1; p5 / 2 < n; p5 *= 5) {
    for (std::size_t p35 = p5; p35 / 2 < n; p35 *= 3) {
      std::size_t m = p35;
      while (m < n && m <= kMax / 2) m *= 2;
      if (m >= n && m < best) best = m;
      if (p35 > kMax / 3) break;
    }
    if (p5 > kMax / 5) break;
  }
  if (best == kMax)
    throw std::overflow_error("next_fast_size: no 2^a 3^b 5^c size >= n fits in size_t");
  return best;
}

void FftScratch::Free::operator()(void* p) const noexcept { std::free(p); }

FftScratch::FftScratch(std::size_t count) : size_(count) {
  // malloc rather than a container: no value-initialisation. 64 bytes of slack
  // to round the start up to a cache-line boundary.
  const std::size_t bytes = (count + 8) * sizeof(double);
  storage_.reset(std::malloc(bytes));
  if (!storage_) throw std::bad_alloc();
  void* p = storage_.get();
  std::size_t space = bytes;
  data_ = static_cast<double*>(std::align(64, count * sizeof(double), p, space));
}

}  // namespace polychrome
