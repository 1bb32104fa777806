#include "polychrome/numpy_sum.hpp"

namespace polychrome {

double numpy_sum(const double* values, std::size_t count) {
  constexpr std::size_t kBlock = 128;  // numpy's PW_BLOCKSIZE
  if (count < 8) {
    double sum = 0.0;
    for (std::size_t i = 0; i < count; ++i) sum += values[i];
    return sum;
  }
  if (count <= kBlock) {
    double r[8];
    for (std::size_t j = 0; j < 8; ++j) r[j] = values[j];
    std::size_t i = 8;
    for (; i < count - count % 8; i += 8)
      for (std::size_t j = 0; j < 8; ++j) r[j] += values[i + j];
    double sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < count; ++i) sum += values[i];
    return sum;
  }
  std::size_t half = count / 2;
  half -= half % 8;
  return numpy_sum(values, half) + numpy_sum(values + half, count - half);
}

}  // namespace polychrome
