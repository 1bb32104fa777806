// Sizes the FFT supports (2^a 3^b 5^c) and the aligned scratch buffer the
// kernels work in.
#include <cstdint>
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

FftScratch::FftScratch(std::size_t count) : storage_(count + 8), size_(count) {
  // Round the start up to a 64-byte boundary (8 doubles of slack allocated).
  void* p = storage_.data();
  std::size_t space = storage_.size() * sizeof(double);
  data_ = static_cast<double*>(std::align(64, count * sizeof(double), p, space));
}

}  // namespace polychrome
