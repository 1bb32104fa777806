// The real FFT's row blocks (two real rows per complex lane, see fft_real.cpp),
// compiled once per CPU level (see polychrome/cpu_kernels.hpp), in double and in
// single precision (float lanes and half spectra; the real rows stay double).
#include <algorithm>
#include <array>
#include <cstddef>

#include "../fft_lanes.hpp"
#include "kernels.hpp"

namespace polychrome::POLYCHROME_KERNEL_NAMESPACE {

namespace {

// Separates Z = A + i B into the half spectra of A and B (see the top of
// the file), all arrays lane-interleaved split, bins k < nc:
//   A[k] = (Z[k] + conj(Z[n-k])) / 2,  B[k] = (Z[k] - conj(Z[n-k])) / (2i).
// Bin 0 (its own partner) is done apart, so that the loop's partner index is plain n - k: with it
// chosen by a conditional inside the loop, GCC vectorised across k instead of across the lanes,
// loading every Z[n-k] element by element (2.6x the instructions of the lane-wise loop).
template <std::size_t W, typename T>
inline void separate_bin(const T* __restrict zr, const T* __restrict zi, std::size_t k,
                         std::size_t kk, T* __restrict ar, T* __restrict ai,
                         T* __restrict br, T* __restrict bi) {
  for (std::size_t l = 0; l < W; ++l) {
    const T pr = zr[k * W + l], pi = zi[k * W + l];
    const T qr = zr[kk * W + l], qi = zi[kk * W + l];
    ar[k * W + l] = T(0.5) * (pr + qr);
    ai[k * W + l] = T(0.5) * (pi - qi);
    br[k * W + l] = T(0.5) * (pi + qi);
    bi[k * W + l] = T(0.5) * (qr - pr);
  }
}

template <std::size_t W, typename T>
void separate(const T* __restrict zr, const T* __restrict zi, std::size_t n,
              std::size_t nc, T* __restrict ar, T* __restrict ai,
              T* __restrict br, T* __restrict bi) {
  separate_bin<W>(zr, zi, 0, 0, ar, ai, br, bi);
  for (std::size_t k = 1; k < nc; ++k) separate_bin<W>(zr, zi, k, n - k, ar, ai, br, bi);
}

// The inverse: Z[k] = A[k] + i B[k] and Z[n-k] = conj(A[k]) + i conj(B[k]) for
// 0 < k < nc, Z[0] = A[0] + i B[0]. At the Nyquist bin of even n (k = n-k)
// both formulas agree once the imaginary parts there are zero; the first one is written.
// One bin pair k < n - k: its rows of Z as their own (restrict) pointers, so that the loop over
// the lanes vectorises (with both rows addressed through zr, GCC could not rule out their
// overlap and wrote every element alone: half the inverse row block's instructions).
template <std::size_t W, typename T>
inline void combine_bin(const T* __restrict ar, const T* __restrict ai,
                        const T* __restrict br, const T* __restrict bi,
                        T* __restrict zr_k, T* __restrict zi_k,
                        T* __restrict zr_kk, T* __restrict zi_kk) {
  for (std::size_t l = 0; l < W; ++l) {
    const T pr = ar[l], pi = ai[l];
    const T qr = br[l], qi = bi[l];
    zr_kk[l] = pr + qi;
    zi_kk[l] = qr - pi;
    zr_k[l] = pr - qi;
    zi_k[l] = pi + qr;
  }
}

template <std::size_t W, typename T>
void combine(const T* __restrict ar, const T* __restrict ai,
             const T* __restrict br, const T* __restrict bi, std::size_t n,
             std::size_t nc, T* __restrict zr, T* __restrict zi) {
  for (std::size_t l = 0; l < W; ++l) {
    zr[l] = ar[l];
    zi[l] = br[l];
  }
  const std::size_t pairs = (n + 1) / 2;  // bins 1 .. pairs - 1 have a partner n - k != k
  for (std::size_t k = 1; k < pairs; ++k) {
    const std::size_t o = k * W, oo = (n - k) * W;
    combine_bin<W>(ar + o, ai + o, br + o, bi + o, zr + o, zi + o, zr + oo, zi + oo);
  }
  if (pairs < nc) {  // the Nyquist bin of even n
    const std::size_t o = pairs * W;
    for (std::size_t l = 0; l < W; ++l) {
      zr[o + l] = ar[o + l] - bi[o + l];
      zi[o + l] = ai[o + l] + br[o + l];
    }
  }
}

// Row pointers for the real (part 0) or imaginary (part 1) parts of the lanes of one block: per
// group of 8 lanes g, lane 8 g + j carries row 16 g + j in its real part and row 16 g + 8 + j in
// its imaginary part (a 16-lane block is two 8-lane blocks side by side: every row meets the same
// partner row, hence the same roundings, at either width); rows past `rows` are null (zeros in,
// skipped out).
template <int W, typename T>
std::array<T*, W> row_pointers(T* base, std::size_t stride, std::size_t part, std::size_t rows) {
  constexpr std::size_t G = kFftLanes;
  std::array<T*, W> p{};
  for (std::size_t l = 0; l < static_cast<std::size_t>(W); ++l) {
    const std::size_t row = 2 * G * (l / G) + G * part + l % G;
    p[l] = row < rows ? base + row * stride : nullptr;
  }
  return p;
}

// Address of bin k of row r (elements, complex interleaved).
template <typename T>
T* bin_ptr(const HalfSpectra<T>& s, std::size_t r, std::size_t k) {
  return k < s.split ? s.lo + r * s.lo_stride + 2 * k : s.hi + r * s.hi_stride + 2 * (k - s.split);
}

// Calls body(t0, len, done) for the runs of the outputs t = (first + j) mod n, j < count: the
// outputs t0 .. t0 + len - 1 go to output positions done .. done + len - 1.
template <typename Body>
void for_each_segment(std::size_t n, std::size_t first, std::size_t count, const Body& body) {
  std::size_t t0 = first % n;
  for (std::size_t done = 0; done < count; t0 = 0) {
    const std::size_t len = std::min(n - t0, count - done);
    body(t0, len, done);
    done += len;
  }
}

}  // namespace

// Scratch use: the kernel's four split arrays of n*W elements (W = kLanesOf<T>; each has room for
// n kRegisterLanes<T> + 320 bytes of padding: 40 doubles or 80 floats). After the transform the
// ping-pong pair not holding the result is free and holds the separated half spectra: A in one
// array (re part at [0, W nc), im part at [W nc, 2 W nc)), B in the other; 2 W nc <= W n + 2 W
// fits the padding.
template <typename T>
void real_forward_block(const ComplexFftPlan& plan, const double* in, std::size_t in_stride,
                        std::size_t rows, std::size_t length, const HalfSpectra<T>& out,
                        T* scratch) {
  constexpr int kW = kLanesOf<T>;  // 16 floats with AVX-512 (kernels.hpp)
  constexpr std::size_t W = kW;
  const std::size_t n = plan.size();
  const std::size_t nc = n / 2 + 1;
  const std::size_t len = std::min(length, n);  // values read per row; the rest are 0
  const auto [re, im, wre, wim] = plan.split_buffers(scratch);
  if (rows <= 2) {
    // One or two rows: a single lane (row 0 real part, row 1 imaginary part),
    // the kernel vectorising along the row instead of across 8 lanes.
    for (std::size_t t = 0; t < len; ++t) {
      re[t] = static_cast<T>(in[t]);
      im[t] = rows == 2 ? static_cast<T>(in[in_stride + t]) : T(0);
    }
    std::fill(re + len, re + n, T(0));
    std::fill(im + len, im + n, T(0));
    const bool in_work = fft_split_single(plan, re, im, wre, wim);
    T* a = in_work ? re : wre;
    T* b = in_work ? im : wim;
    separate<1>(in_work ? wre : re, in_work ? wim : im, n, nc, a, a + nc, b, b + nc);
    for (std::size_t r = 0; r < rows; ++r) {
      const T* sr = r == 0 ? a : b;
      for (std::size_t k = 0; k < nc; ++k) {
        T* dst = bin_ptr(out, r, k);
        dst[0] = sr[k];
        dst[1] = sr[nc + k];
      }
    }
    return;
  }
  // Each lane carries a row in its real part and its partner row in its imaginary part (row_pointers).
  fft_detail::rows_to_lanes<kW>(row_pointers<kW>(in, in_stride, 0, rows).data(), len, re);
  fft_detail::rows_to_lanes<kW>(row_pointers<kW>(in, in_stride, 1, rows).data(), len, im);
  // The zero padding past len is neither stored nor read (see fft_split_lanes_lit).
  const bool in_work = fft_split_lanes_lit<T, kW>(plan, len, re, im, wre, wim);
  T* a = in_work ? re : wre;  // the free pair
  T* b = in_work ? im : wim;
  separate<W>(in_work ? wre : re, in_work ? wim : im, n, nc, a, a + nc * W, b, b + nc * W);
  const std::size_t nlo = std::min(out.split, nc);
  const std::size_t off = nlo * W;
  for (std::size_t half = 0; half < 2; ++half) {  // the real parts' rows get A, the others B
    const T* sr = half == 0 ? a : b;
    const T* si = sr + nc * W;
    fft_detail::lanes_to_complex_rows<kW>(sr, si, nlo,
                                      row_pointers<kW>(out.lo, out.lo_stride, half, rows).data());
    if (nlo < nc)
      fft_detail::lanes_to_complex_rows<kW>(
          sr + off, si + off, nc - nlo, row_pointers<kW>(out.hi, out.hi_stride, half, rows).data());
  }
}

template <typename T>
void real_inverse_block(const ComplexFftPlan& plan, const HalfSpectra<const T>& in,
                        std::size_t rows, double* out, std::size_t out_stride, std::size_t first,
                        std::size_t count, double scale, T* scratch) {
  constexpr int kW = kLanesOf<T>;  // 16 floats with AVX-512 (kernels.hpp)
  constexpr std::size_t W = kW;
  const std::size_t n = plan.size();
  const std::size_t nc = n / 2 + 1;
  const auto [re, im, wre, wim] = plan.split_buffers(scratch);
  if (rows <= 2) {  // single lane, as in forward_block
    for (std::size_t r = 0; r < 2; ++r) {
      T* dr = r == 0 ? wre : wim;
      for (std::size_t k = 0; k < nc; ++k) {
        const T* src = r < rows ? bin_ptr(in, r, k) : nullptr;
        dr[k] = src ? src[0] : T(0);
        // Imaginary parts of the zero and (even n) Nyquist bins ignored.
        dr[nc + k] = src && k != 0 && 2 * k != n ? src[1] : T(0);
      }
    }
    combine<1>(wre, wre + nc, wim, wim + nc, n, nc, re, im);
    const bool in_work = fft_split_single(plan, im, re, wim, wre);
    const T* xr = in_work ? wre : re;
    const T* xi = in_work ? wim : im;
    for_each_segment(n, first, count, [&](std::size_t t0, std::size_t len, std::size_t done) {
      for (std::size_t t = 0; t < len; ++t) out[done + t] = scale * static_cast<double>(xr[t0 + t]);
      if (rows == 2)
        for (std::size_t t = 0; t < len; ++t)
          out[out_stride + done + t] = scale * static_cast<double>(xi[t0 + t]);
    });
    return;
  }
  const std::size_t nlo = std::min(in.split, nc);
  const std::size_t off = nlo * W;
  for (std::size_t half = 0; half < 2; ++half) {  // A from the real parts' rows into wre, B into wim
    T* dr = half == 0 ? wre : wim;
    T* di = dr + nc * W;
    fft_detail::complex_rows_to_lanes<kW>(row_pointers<kW>(in.lo, in.lo_stride, half, rows).data(),
                                      nlo, dr, di);
    if (nlo < nc)
      fft_detail::complex_rows_to_lanes<kW>(
          row_pointers<kW>(in.hi, in.hi_stride, half, rows).data(), nc - nlo, dr + off, di + off);
    // The zero and (even n) Nyquist bins of a real row's spectrum are real:
    // their imaginary parts are ignored, as numpy.fft.irfft does.
    for (std::size_t l = 0; l < W; ++l) {
      di[l] = T(0);
      if (n % 2 == 0) di[(n / 2) * W + l] = T(0);
    }
  }
  combine<W>(wre, wre + nc * W, wim, wim + nc * W, n, nc, re, im);
  // Backward transform = forward transform with real and imaginary swapped.
  const bool in_work = fft_split_lanes<T, kW>(plan, im, re, wim, wre);
  const T* xr = in_work ? wre : re;
  const T* xi = in_work ? wim : im;
  for_each_segment(n, first, count, [&](std::size_t t0, std::size_t len, std::size_t done) {
    fft_detail::lanes_to_rows<kW>(xr + t0 * W, len, scale,
                              row_pointers<kW>(out + done, out_stride, 0, rows).data());
    fft_detail::lanes_to_rows<kW>(xi + t0 * W, len, scale,
                              row_pointers<kW>(out + done, out_stride, 1, rows).data());
  });
}

template void real_forward_block(const ComplexFftPlan&, const double*, std::size_t, std::size_t,
                                 std::size_t, const HalfSpectra<double>&, double*);
template void real_forward_block(const ComplexFftPlan&, const double*, std::size_t, std::size_t,
                                 std::size_t, const HalfSpectra<float>&, float*);
template void real_inverse_block(const ComplexFftPlan&, const HalfSpectra<const double>&, std::size_t,
                                 double*, std::size_t, std::size_t, std::size_t, double, double*);
template void real_inverse_block(const ComplexFftPlan&, const HalfSpectra<const float>&, std::size_t,
                                 double*, std::size_t, std::size_t, std::size_t, double, float*);

}  // namespace polychrome::POLYCHROME_KERNEL_NAMESPACE
