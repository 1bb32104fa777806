// Moving data between row-major arrays and the kernels' lane-interleaved
// split layout (internal header of the FFT sources).
//
// Why this file exists: the butterflies run at SIMD speed, so the transposes
// that feed them (rows <-> W lanes, W = 8, or 16 floats with AVX-512) decide the
// speed of the real transforms unless they are SIMD too. With AVX they work on
// 4 x 4 blocks of doubles (two unpacks and two 128-bit lane permutes per pair of
// rows), per group of 4 lanes that all have rows; with AVX-512 the float real rows
// move 8 x 8 per group of 8 lanes; without AVX, for the last few elements or for a
// group with missing rows, plain loops do the same.
//
// Layout reminder: element t of lane l is at lanes[t * W + l]; a "complex row"
// holds interleaved (re, im) pairs, bin k at row[2k], row[2k + 1]. The lanes and
// complex rows are of element type T: double, or float for the single-precision
// transforms (4 x 4 blocks of floats in 128-bit registers); real rows are always
// double, rounded to float on the way in and widened on the way out.
#pragma once

#include <cstddef>
#include <type_traits>

#if defined(__AVX__)
#include <immintrin.h>
#endif

#include "polychrome/fft.hpp"
#include "polychrome/kernel_namespace.hpp"

// Compiled per CPU level (with AVX where the level has it): in the level's namespace.
namespace polychrome::POLYCHROME_KERNEL_NAMESPACE::fft_detail {

// The transposes below move groups of 4 lanes: W (the block's lanes) is a multiple of 4.

#if defined(__AVX__)
// Four elements in one register: four doubles in a __m256d, four floats in a __m128 (the
// single-precision lanes). The loops below are written once over these overloads.
inline __m256d load4(const double* p) { return _mm256_loadu_pd(p); }
inline __m128 load4(const float* p) { return _mm_loadu_ps(p); }
inline void store4(double* p, __m256d v) { _mm256_storeu_pd(p, v); }
inline void store4(float* p, __m128 v) { _mm_storeu_ps(p, v); }

/// Four values of a real (double) row as lane elements of type T (float: rounded to nearest).
inline __m256d load4_as(const double* p, double) { return _mm256_loadu_pd(p); }
inline __m128 load4_as(const double* p, float) { return _mm256_cvtpd_ps(_mm256_loadu_pd(p)); }

/// scale times four lane elements, stored as doubles of a real row (a float widened first).
inline void store4_scaled(double* p, __m256d v, __m256d scale) {
  _mm256_storeu_pd(p, _mm256_mul_pd(scale, v));
}
inline void store4_scaled(double* p, __m128 v, __m256d scale) {
  _mm256_storeu_pd(p, _mm256_mul_pd(scale, _mm256_cvtps_pd(v)));
}

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
inline void transpose4(__m128& a, __m128& b, __m128& c, __m128& d) { _MM_TRANSPOSE4_PS(a, b, c, d); }
#endif

#if defined(__AVX512F__)
// All 8 lanes: the masked conversions, since GCC 12 warns inside the plain ones (an
// uninitialised source register for their unmasked form).
constexpr __mmask8 kAll8 = 0xFF;

/// In-register transpose of the 8 x 8 floats whose rows are r[0..7].
inline void transpose8(__m256 (&r)[8]) {
  __m256 t[8], u[8];
  for (int i = 0; i < 4; ++i) {
    t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 2; ++i) {
    u[4 * i] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
    u[4 * i + 1] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
    u[4 * i + 2] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
    u[4 * i + 3] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
  }
  for (int i = 0; i < 4; ++i) {
    r[i] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x20);
    r[i + 4] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x31);
  }
}
#endif

/// Whether lanes g .. g+7 all have a row (the 8 x 8 float transposes).
template <typename T>
inline bool group8_complete(const T* const* rows, int g) {
  for (int l = g; l < g + 8; ++l)
    if (!rows[l]) return false;
  return true;
}

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

/// lanes[t*W + l] = rows[l][t] for t < n (as T: double, or float rounded to nearest); a null row
/// gives zeros.
template <int W, typename T>
inline void rows_to_lanes(const double* const* rows, std::size_t n, T* lanes) {
  std::size_t done[W / 4] = {};  // elements moved already per group of 4 lanes
#if defined(__AVX512F__)
  // Floats 8 x 8 at a time (rows of 8 doubles rounded into one register each): 40% fewer
  // instructions than the 4 x 4 blocks, whose 128-bit registers hold 4 floats.
  if constexpr (std::is_same_v<T, float> && W % 8 == 0) {
    for (int g = 0; g < W; g += 8) {
      if (!group8_complete(rows, g)) continue;
      std::size_t t0 = 0;
      for (; t0 + 8 <= n; t0 += 8) {
        __m256 r[8];
        for (int i = 0; i < 8; ++i) r[i] = _mm512_maskz_cvtpd_ps(kAll8, _mm512_loadu_pd(rows[g + i] + t0));
        transpose8(r);
        for (int j = 0; j < 8; ++j) _mm256_storeu_ps(lanes + (t0 + j) * W + g, r[j]);
      }
      done[g / 4] = done[g / 4 + 1] = t0;
    }
  }
#endif
  for (int g = 0; g < W; g += 4) {
    std::size_t t0 = done[g / 4];
    if (group_empty(rows, g)) {
      for (std::size_t t = 0; t < n; ++t)
        for (int l = g; l < g + 4; ++l) lanes[t * W + l] = T(0);
      continue;
    }
#if defined(__AVX__)
    if (group_complete(rows, g)) {
      for (; t0 + 4 <= n; t0 += 4) {
        auto a = load4_as(rows[g] + t0, T{}), b = load4_as(rows[g + 1] + t0, T{});
        auto c = load4_as(rows[g + 2] + t0, T{}), d = load4_as(rows[g + 3] + t0, T{});
        transpose4(a, b, c, d);
        store4(lanes + t0 * W + g, a);
        store4(lanes + (t0 + 1) * W + g, b);
        store4(lanes + (t0 + 2) * W + g, c);
        store4(lanes + (t0 + 3) * W + g, d);
      }
    }
#endif
    for (std::size_t t = t0; t < n; ++t)
      for (int l = g; l < g + 4; ++l) lanes[t * W + l] = rows[l] ? static_cast<T>(rows[l][t]) : T(0);
  }
}

/// rows[l][t] = scale * lanes[t*W + l] for t < n (the product in double); null rows are skipped.
template <int W, typename T>
inline void lanes_to_rows(const T* lanes, std::size_t n, double scale, double* const* rows) {
  std::size_t done[W / 4] = {};  // elements moved already per group of 4 lanes
#if defined(__AVX512F__)
  if constexpr (std::is_same_v<T, float> && W % 8 == 0) {  // 8 x 8, as in rows_to_lanes
    const __m512d s = _mm512_set1_pd(scale);
    for (int g = 0; g < W; g += 8) {
      if (!group8_complete(rows, g)) continue;
      // The row pointers in registers: read through `rows` they were reloaded after every store.
      double* out[8];
      for (int i = 0; i < 8; ++i) out[i] = rows[g + i];
      std::size_t t0 = 0;
      for (; t0 + 8 <= n; t0 += 8) {
        __m256 r[8];
        for (int j = 0; j < 8; ++j) r[j] = _mm256_loadu_ps(lanes + (t0 + j) * W + g);
        transpose8(r);
        for (int i = 0; i < 8; ++i)
          _mm512_storeu_pd(out[i] + t0, _mm512_mul_pd(s, _mm512_maskz_cvtps_pd(kAll8, r[i])));
      }
      done[g / 4] = done[g / 4 + 1] = t0;
    }
  }
#endif
  for (int g = 0; g < W; g += 4) {
    std::size_t t0 = done[g / 4];
#if defined(__AVX__)
    if (group_complete(rows, g)) {
      const __m256d s = _mm256_set1_pd(scale);
      for (; t0 + 4 <= n; t0 += 4) {
        auto a = load4(lanes + t0 * W + g);
        auto b = load4(lanes + (t0 + 1) * W + g);
        auto c = load4(lanes + (t0 + 2) * W + g);
        auto d = load4(lanes + (t0 + 3) * W + g);
        transpose4(a, b, c, d);
        store4_scaled(rows[g] + t0, a, s);
        store4_scaled(rows[g + 1] + t0, b, s);
        store4_scaled(rows[g + 2] + t0, c, s);
        store4_scaled(rows[g + 3] + t0, d, s);
      }
    }
#endif
    for (int l = g; l < g + 4; ++l)
      if (rows[l])
        for (std::size_t t = t0; t < n; ++t) rows[l][t] = scale * static_cast<double>(lanes[t * W + l]);
  }
}

/// rows[l][2k] = re[k*W + l], rows[l][2k+1] = im[k*W + l] for k < count; null
/// rows are skipped.
template <int W, typename T>
inline void lanes_to_complex_rows(const T* re, const T* im, std::size_t count, T* const* rows) {
  std::size_t done[W / 4] = {};  // bins moved already per group of 4 lanes
#if defined(__AVX512F__)
  if constexpr (std::is_same_v<T, float> && W % 8 == 0) {  // 4 bins of 8 rows 8 x 8, as below
    for (int g = 0; g < W; g += 8) {
      if (!group8_complete(rows, g)) continue;
      float* out[8];
      for (int i = 0; i < 8; ++i) out[i] = rows[g + i];
      std::size_t k0 = 0;
      for (; k0 + 4 <= count; k0 += 4) {
        __m256 r[8];  // re_k0, im_k0, re_k0+1, ... of lanes g .. g+7
        for (int j = 0; j < 4; ++j) {
          r[2 * j] = _mm256_loadu_ps(re + (k0 + j) * W + g);
          r[2 * j + 1] = _mm256_loadu_ps(im + (k0 + j) * W + g);
        }
        transpose8(r);  // r[i] = (re, im) of bins k0 .. k0+3 of row g + i
        for (int i = 0; i < 8; ++i) _mm256_storeu_ps(out[i] + 2 * k0, r[i]);
      }
      done[g / 4] = done[g / 4 + 1] = k0;
    }
  }
#endif
  for (int g = 0; g < W; g += 4) {
    std::size_t k0 = done[g / 4];
#if defined(__AVX__)
    if (group_complete(rows, g)) {
      for (; k0 + 2 <= count; k0 += 2) {
        auto a = load4(re + k0 * W + g);
        auto b = load4(im + k0 * W + g);
        auto c = load4(re + (k0 + 1) * W + g);
        auto d = load4(im + (k0 + 1) * W + g);
        transpose4(a, b, c, d);  // a = (re_k, im_k, re_k+1, im_k+1) of lane g, ...
        store4(rows[g] + 2 * k0, a);
        store4(rows[g + 1] + 2 * k0, b);
        store4(rows[g + 2] + 2 * k0, c);
        store4(rows[g + 3] + 2 * k0, d);
      }
    }
#endif
    for (int l = g; l < g + 4; ++l)
      if (rows[l])
        for (std::size_t k = k0; k < count; ++k) {
          rows[l][2 * k] = re[k * W + l];
          rows[l][2 * k + 1] = im[k * W + l];
        }
  }
}

/// re[k*W + l] = rows[l][2k], im[k*W + l] = rows[l][2k+1] for k < count; a
/// null row gives zeros.
template <int W, typename T>
inline void complex_rows_to_lanes(const T* const* rows, std::size_t count, T* re, T* im) {
  std::size_t done[W / 4] = {};  // bins moved already per group of 4 lanes
#if defined(__AVX512F__)
  if constexpr (std::is_same_v<T, float> && W % 8 == 0) {  // 4 bins of 8 rows 8 x 8
    for (int g = 0; g < W; g += 8) {
      if (!group8_complete(rows, g)) continue;
      std::size_t k0 = 0;
      for (; k0 + 4 <= count; k0 += 4) {
        __m256 r[8];  // (re, im) of bins k0 .. k0+3 of row g + i
        for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(rows[g + i] + 2 * k0);
        transpose8(r);  // r[2j] = re of bin k0+j of lanes g .. g+7, r[2j+1] = im
        for (int j = 0; j < 4; ++j) {
          _mm256_storeu_ps(re + (k0 + j) * W + g, r[2 * j]);
          _mm256_storeu_ps(im + (k0 + j) * W + g, r[2 * j + 1]);
        }
      }
      done[g / 4] = done[g / 4 + 1] = k0;
    }
  }
#endif
  for (int g = 0; g < W; g += 4) {
    std::size_t k0 = done[g / 4];
    if (group_empty(rows, g)) {
      for (std::size_t k = 0; k < count; ++k)
        for (int l = g; l < g + 4; ++l) re[k * W + l] = im[k * W + l] = T(0);
      continue;
    }
#if defined(__AVX__)
    if (group_complete(rows, g)) {
      for (; k0 + 2 <= count; k0 += 2) {
        auto a = load4(rows[g] + 2 * k0);
        auto b = load4(rows[g + 1] + 2 * k0);
        auto c = load4(rows[g + 2] + 2 * k0);
        auto d = load4(rows[g + 3] + 2 * k0);
        transpose4(a, b, c, d);  // a = re_k of lanes g..g+3, b = im_k, c = re_k+1, d = im_k+1
        store4(re + k0 * W + g, a);
        store4(im + k0 * W + g, b);
        store4(re + (k0 + 1) * W + g, c);
        store4(im + (k0 + 1) * W + g, d);
      }
    }
#endif
    for (std::size_t k = k0; k < count; ++k)
      for (int l = g; l < g + 4; ++l) {
        re[k * W + l] = rows[l] ? rows[l][2 * k] : T(0);
        im[k * W + l] = rows[l] ? rows[l][2 * k + 1] : T(0);
      }
  }
}

#if defined(__AVX512F__)
// A lane block that fills one AVX-512 register (16 floats, 8 doubles) <-> its row of complex
// numbers (two registers), by two-source permutes: GCC built the loops below' registers element
// by element. `live`: a mask of the lanes kept (the others 0).
inline void deinterleave_register(const float* src, unsigned live, float* re, float* im) {
  const __m512 a = _mm512_loadu_ps(src), b = _mm512_loadu_ps(src + 16);
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
  _mm512_storeu_ps(re, _mm512_maskz_permutex2var_ps(static_cast<__mmask16>(live), a, even, b));
  _mm512_storeu_ps(im, _mm512_maskz_permutex2var_ps(static_cast<__mmask16>(live), a, odd, b));
}
inline void deinterleave_register(const double* src, unsigned live, double* re, double* im) {
  const __m512d a = _mm512_loadu_pd(src), b = _mm512_loadu_pd(src + 8);
  const __m512i even = _mm512_setr_epi64(0, 2, 4, 6, 8, 10, 12, 14);
  const __m512i odd = _mm512_setr_epi64(1, 3, 5, 7, 9, 11, 13, 15);
  _mm512_storeu_pd(re, _mm512_maskz_permutex2var_pd(static_cast<__mmask8>(live), a, even, b));
  _mm512_storeu_pd(im, _mm512_maskz_permutex2var_pd(static_cast<__mmask8>(live), a, odd, b));
}
inline void interleave_register(const float* re, const float* im, float scale, float* dst) {
  const __m512 s = _mm512_set1_ps(scale);
  const __m512 r = _mm512_mul_ps(s, _mm512_loadu_ps(re)), i = _mm512_mul_ps(s, _mm512_loadu_ps(im));
  const __m512i lo = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const __m512i hi = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  _mm512_storeu_ps(dst, _mm512_permutex2var_ps(r, lo, i));
  _mm512_storeu_ps(dst + 16, _mm512_permutex2var_ps(r, hi, i));
}
inline void interleave_register(const double* re, const double* im, double scale, double* dst) {
  const __m512d s = _mm512_set1_pd(scale);
  const __m512d r = _mm512_mul_pd(s, _mm512_loadu_pd(re)), i = _mm512_mul_pd(s, _mm512_loadu_pd(im));
  _mm512_storeu_pd(dst, _mm512_permutex2var_pd(r, _mm512_setr_epi64(0, 8, 1, 9, 2, 10, 3, 11), i));
  _mm512_storeu_pd(dst + 8, _mm512_permutex2var_pd(r, _mm512_setr_epi64(4, 12, 5, 13, 6, 14, 7, 15), i));
}
#endif

/// Whether W lanes of T fill one AVX-512 register where the level has it (the permutes above).
template <int W, typename T>
inline constexpr bool kOneRegister =
#if defined(__AVX512F__)
    W * sizeof(T) == 64;
#else
    false;
#endif

/// One row of W adjacent complex numbers (2 W elements) <-> one lane block of W lanes.
template <int W, typename T>
inline void deinterleave(const T* __restrict src, T* __restrict re, T* __restrict im) {
#if defined(__AVX512F__)
  if constexpr (kOneRegister<W, T>) {
    deinterleave_register(src, (1u << W) - 1u, re, im);
    return;
  }
#endif
  for (int l = 0; l < W; ++l) {
    re[l] = src[2 * l];
    im[l] = src[2 * l + 1];
  }
}

/// deinterleave of a block whose lanes from `live` on are 0 (all 2 W elements of src are read).
template <int W, typename T>
inline void deinterleave_live(const T* __restrict src, std::size_t live, T* __restrict re,
                              T* __restrict im) {
#if defined(__AVX512F__)
  if constexpr (kOneRegister<W, T>) {
    deinterleave_register(src, live >= static_cast<std::size_t>(W) ? (1u << W) - 1u : (1u << live) - 1u, re, im);
    return;
  }
#endif
  for (int l = 0; l < W; ++l) {
    const T r = src[2 * l], i = src[2 * l + 1];
    re[l] = static_cast<std::size_t>(l) < live ? r : T(0);
    im[l] = static_cast<std::size_t>(l) < live ? i : T(0);
  }
}

template <int W, typename T>
inline void interleave(const T* __restrict re, const T* __restrict im, T scale, T* __restrict dst) {
#if defined(__AVX512F__)
  if constexpr (kOneRegister<W, T>) {
    interleave_register(re, im, scale, dst);
    return;
  }
#endif
  for (int l = 0; l < W; ++l) {
    dst[2 * l] = scale * re[l];
    dst[2 * l + 1] = scale * im[l];
  }
}

}  // namespace polychrome::POLYCHROME_KERNEL_NAMESPACE::fft_detail
