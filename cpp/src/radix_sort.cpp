#include "polychrome/radix_sort.hpp"

#include <array>
#include <cstring>
#include <utility>

namespace polychrome {

namespace {

// The bits of ``value`` as an unsigned key whose order is the numbers' order.
std::uint64_t key_of(double value) {
  std::uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return (bits >> 63) ? ~bits : bits | (std::uint64_t{1} << 63);
}

double value_of(std::uint64_t key) {
  const std::uint64_t bits = (key >> 63) ? key & ~(std::uint64_t{1} << 63) : ~key;
  double value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

// Sorts ``keys`` (stable), carrying ``payload`` along when it is not empty.
template <class Payload>
void radix_sort(std::vector<std::uint64_t>& keys, std::vector<Payload>& payload) {
  const std::size_t count = keys.size();
  std::vector<std::array<std::size_t, 256>> counts(8);
  for (auto& byte_counts : counts) byte_counts.fill(0);
  for (const std::uint64_t key : keys)
    for (std::size_t b = 0; b < 8; ++b) ++counts[b][(key >> (8 * b)) & 0xff];
  std::vector<std::uint64_t> keys_out(count);
  std::vector<Payload> payload_out(payload.size());
  for (std::size_t b = 0; b < 8; ++b) {
    std::array<std::size_t, 256>& offsets = counts[b];
    if (offsets[(keys.empty() ? 0 : keys[0] >> (8 * b)) & 0xff] == count) continue;  // one byte value: in order
    std::size_t start = 0;
    for (std::size_t& offset : offsets) start += std::exchange(offset, start);
    for (std::size_t k = 0; k < count; ++k) {
      const std::size_t to = offsets[(keys[k] >> (8 * b)) & 0xff]++;
      keys_out[to] = keys[k];
      if (!payload.empty()) payload_out[to] = payload[k];
    }
    keys.swap(keys_out);
    payload.swap(payload_out);
  }
}

}  // namespace

void sort_positions_by_value(const double* values, std::vector<std::int64_t>& positions) {
  std::vector<std::uint64_t> keys(positions.size());
  for (std::size_t k = 0; k < positions.size(); ++k) keys[k] = key_of(values[positions[k]]);
  radix_sort(keys, positions);
}

void sort_values(std::vector<double>& values) {
  std::vector<std::uint64_t> keys(values.size());
  for (std::size_t k = 0; k < values.size(); ++k) keys[k] = key_of(values[k]);
  std::vector<char> none;
  radix_sort(keys, none);
  for (std::size_t k = 0; k < values.size(); ++k) values[k] = value_of(keys[k]);
}

}  // namespace polychrome
