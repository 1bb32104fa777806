// Moving data between row-major arrays and the kernels' lane-interleaved
// split layout (internal header of the FFT sources).
//
// Why this file exists: the butterflies run at SIMD speed, so the transposes
// that feed them (8 rows <-> 8 lanes) decide the speed of the real transforms
// unless they are SIMD too. With AVX they work on 4 x 4 blocks of doubles
// (two unpacks and two 128-bit lane permutes per pair of rows), per group of 4
// lanes that all have rows; without AVX, for the last few elements or for a
// group with missing rows, plain loops do the same.
//
// Layout reminder: element t of lane l is at lanes[t * 8 + l]; a "complex row"
// holds interleaved (re, im) pairs, bin k at row[2k], row[2k + 1].
#pragma once

#include <cstddef>

#if defined(__AVX__)
#include <immintrin.h>
#endif

#include "polychrome/fft.hpp"
#include "polychrome/kernel_namespace.hpp"

// Compiled per CPU level (with AVX where the level has it): in the level's namespace.
namespace polychrome::POLYCHROME_KERNEL_NAMESPACE::fft_detail {

static_assert(kFftLanes == 8, "the transposes below are written for 8 lanes");

#if defined(__AVX__)
/// In-register transpose of the 4 x 4 matrix whose rows are a, b, c, d.
inline void transpose4(__m256d& a, __m256d& b, __m256d& c, __m256d& d) {
  const __m256d t0 = _mm256_unpacklo_pd(a, b);  // a0 b0 a2 b2
  const __m256d t1 = _mm256_unpackhi_pd(a, b);  // a1 b1 a3 b3
  const __m256d t2 = _mm256_unpacklo_pd(c, d);  // c0 d0 c2 d2
  const __m256d t3 = _mm256_unpackhi_pd(c, d);  // c1 d1 c3 d3
  a = _mm256_permute2f128_pd(t0, t2, 0x20);     // a0 b0 c0 d0
  b = _mm256_permute2f128_pd(t1, t3, 0x20);     // a1 b1 c1 d1
  c = _mm256_permute2f128_pd(t0, t2, 0x31);     // a2 b2 c2 d2
  d = _mm256_permute2f128_pd(t1, t3, 0x31);     // a3 b3 c3 d3
}
#endif

/// Whether lanes g .. g+3 all have a row (the 4 x 4 transposes need the whole group); a block of
/// rows that ends inside it (the last rows of an array) moves the other group at SIMD speed still.
template <typename T>
inline bool group_complete(const T* const* rows, int g) {
  return rows[g] && rows[g + 1] && rows[g + 2] && rows[g + 3];
}
template <typename T>
inline bool group_empty(const T* const* rows, int g) {
  return !rows[g] && !rows[g + 1] && !rows[g + 2] && !rows[g + 3];
}

/// lanes[t*8 + l] = rows[l][t] for t < n; a null row gives zeros.
inline void rows_to_lanes(const double* const* rows, std::size_t n, double* lanes) {
  for (int g = 0; g < 8; g += 4) {
    std::size_t t0 = 0;
    if (group_empty(rows, g)) {
      for (std::size_t t = 0; t < n; ++t)
        for (int l = g; l < g + 4; ++l) lanes[t * 8 + l] = 0.0;
      continue;
    }
#if defined(__AVX__)
    if (group_complete(rows, g)) {
      for (; t0 + 4 <= n; t0 += 4) {
        __m256d a = _mm256_loadu_pd(rows[g] + t0), b = _mm256_loadu_pd(rows[g + 1] + t0);
        __m256d c = _mm256_loadu_pd(rows[g + 2] + t0), d = _mm256_loadu_pd(rows[g + 3] + t0);
        transpose4(a, b, c, d);
        _mm256_storeu_pd(lanes + t0 * 8 + g, a);
        _mm256_storeu_pd(lanes + (t0 + 1) * 8 + g, b);
        _mm256_storeu_pd(lanes + (t0 + 2) * 8 + g, c);
        _mm256_storeu_pd(lanes + (t0 + 3) * 8 + g, d);
      }
    }
#endif
    for (std::size_t t = t0; t < n; ++t)
      for (int l = g; l < g + 4; ++l) lanes[t * 8 + l] = rows[l] ? rows[l][t] : 0.0;
  }
}

/// rows[l][t] = scale * lanes[t*8 + l] for t < n; null rows are skipped.
inline void lanes_to_rows(const double* lanes, std::size_t n, double scale, double* const* rows) {
  for (int g = 0; g < 8; g += 4) {
    std::size_t t0 = 0;
#if defined(__AVX__)
    if (group_complete(rows, g)) {
      const __m256d s = _mm256_set1_pd(scale);
      for (; t0 + 4 <= n; t0 += 4) {
        __m256d a = _mm256_loadu_pd(lanes + t0 * 8 + g);
        __m256d b = _mm256_loadu_pd(lanes + (t0 + 1) * 8 + g);
        __m256d c = _mm256_loadu_pd(lanes + (t0 + 2) * 8 + g);
        __m256d d = _mm256_loadu_pd(lanes + (t0 + 3) * 8 + g);
        transpose4(a, b, c, d);
        _mm256_storeu_pd(rows[g] + t0, _mm256_mul_pd(s, a));
        _mm256_storeu_pd(rows[g + 1] + t0, _mm256_mul_pd(s, b));
        _mm256_storeu_pd(rows[g + 2] + t0, _mm256_mul_pd(s, c));
        _mm256_storeu_pd(rows[g + 3] + t0, _mm256_mul_pd(s, d));
      }
    }
#endif
    for (int l = g; l < g + 4; ++l)
      if (rows[l])
        for (std::size_t t = t0; t < n; ++t) rows[l][t] = scale * lanes[t * 8 + l];
  }
}

/// rows[l][2k] = re[k*8 + l], rows[l][2k+1] = im[k*8 + l] for k < count; null
/// rows are skipped.
inline void lanes_to_complex_rows(const double* re, const double* im, std::size_t count,
                                  double* const* rows) {
  for (int g = 0; g < 8; g += 4) {
    std::size_t k0 = 0;
#if defined(__AVX__)
    if (group_complete(rows, g)) {
      for (; k0 + 2 <= count; k0 += 2) {
        __m256d a = _mm256_loadu_pd(re + k0 * 8 + g);
        __m256d b = _mm256_loadu_pd(im + k0 * 8 + g);
        __m256d c = _mm256_loadu_pd(re + (k0 + 1) * 8 + g);
        __m256d d = _mm256_loadu_pd(im + (k0 + 1) * 8 + g);
        transpose4(a, b, c, d);  // a = (re_k, im_k, re_k+1, im_k+1) of lane g, ...
        _mm256_storeu_pd(rows[g] + 2 * k0, a);
        _mm256_storeu_pd(rows[g + 1] + 2 * k0, b);
        _mm256_storeu_pd(rows[g + 2] + 2 * k0, c);
        _mm256_storeu_pd(rows[g + 3] + 2 * k0, d);
      }
    }
#endif
    for (int l = g; l < g + 4; ++l)
      if (rows[l])
        for (std::size_t k = k0; k < count; ++k) {
          rows[l][2 * k] = re[k * 8 + l];
          rows[l][2 * k + 1] = im[k * 8 + l];
        }
  }
}

/// re[k*8 + l] = rows[l][2k], im[k*8 + l] = rows[l][2k+1] for k < count; a
/// null row gives zeros.
inline void complex_rows_to_lanes(const double* const* rows, std::size_t count, double* re,
                                  double* im) {
  for (int g = 0; g < 8; g += 4) {
    std::size_t k0 = 0;
    if (group_empty(rows, g)) {
      for (std::size_t k = 0; k < count; ++k)
        for (int l = g; l < g + 4; ++l) re[k * 8 + l] = im[k * 8 + l] = 0.0;
      continue;
    }
#if defined(__AVX__)
    if (group_complete(rows, g)) {
      for (; k0 + 2 <= count; k0 += 2) {
        __m256d a = _mm256_loadu_pd(rows[g] + 2 * k0);
        __m256d b = _mm256_loadu_pd(rows[g + 1] + 2 * k0);
        __m256d c = _mm256_loadu_pd(rows[g + 2] + 2 * k0);
        __m256d d = _mm256_loadu_pd(rows[g + 3] + 2 * k0);
        transpose4(a, b, c, d);  // a = re_k of lanes g..g+3, b = im_k, c = re_k+1, d = im_k+1
        _mm256_storeu_pd(re + k0 * 8 + g, a);
        _mm256_storeu_pd(im + k0 * 8 + g, b);
        _mm256_storeu_pd(re + (k0 + 1) * 8 + g, c);
        _mm256_storeu_pd(im + (k0 + 1) * 8 + g, d);
      }
    }
#endif
    for (std::size_t k = k0; k < count; ++k)
      for (int l = g; l < g + 4; ++l) {
        re[k * 8 + l] = rows[l] ? rows[l][2 * k] : 0.0;
        im[k * 8 + l] = rows[l] ? rows[l][2 * k + 1] : 0.0;
      }
  }
}

/// One row of 8 adjacent complex numbers (16 doubles) <-> one lane block.
inline void deinterleave8(const double* __restrict src, double* __restrict re,
                          double* __restrict im) {
  for (int l = 0; l < 8; ++l) {
    re[l] = src[2 * l];
    im[l] = src[2 * l + 1];
  }
}

inline void interleave8(const double* __restrict re, const double* __restrict im, double scale,
                        double* __restrict dst) {
  for (int l = 0; l < 8; ++l) {
    dst[2 * l] = scale * re[l];
    dst[2 * l + 1] = scale * im[l];
  }
}

}  // namespace polychrome::POLYCHROME_KERNEL_NAMESPACE::fft_detail
