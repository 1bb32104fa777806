// The complex FFT's butterflies, gathers and scatters, compiled once per
// CPU level (see polychrome/cpu_kernels.hpp); the algorithm and the plan
// are described in fft_complex.cpp. The butterflies and stages are templates on the element
// type: double, and float for the PSF convolution's single-precision transforms (the same code,
// twice the lanes per vector register).
#include <algorithm>
#include <cstddef>
#include <type_traits>
#include <utility>

#include "../fft_lanes.hpp"
#include "kernels.hpp"

namespace polychrome::POLYCHROME_KERNEL_NAMESPACE {

namespace {

// Radix-3 and radix-5 butterfly constants: sin(2 pi/3), cos/sin(2 pi/5, 4 pi/5).
constexpr double kSin60 = 0.86602540378443864676372317075293618;
constexpr double kC1 = 0.30901699437494742410229341718281906;   // cos(2 pi/5)
constexpr double kS1 = 0.95105651629515357211643933337938214;   // sin(2 pi/5)
constexpr double kC2 = -0.80901699437494742410229341718281906;  // cos(4 pi/5)
constexpr double kS2 = 0.58778525229247312916870595463907277;   // sin(4 pi/5)

// A butterfly input known to be 0 (a zero-padded transform's first stage, see
// transform_split_lit): arithmetic with it is dropped at compile time. Exact: x + 0 and x - 0
// are x, 0 - x is -x, c 0 is 0 (only the sign of a zero result may differ from the full sum).
struct Zero {};
template <typename T>
using IfReal = std::enable_if_t<std::is_floating_point_v<T>, T>;
template <typename T>
inline IfReal<T> operator+(T a, Zero) { return a; }
template <typename T>
inline IfReal<T> operator+(Zero, T a) { return a; }
inline Zero operator+(Zero, Zero) { return {}; }
template <typename T>
inline IfReal<T> operator-(T a, Zero) { return a; }
template <typename T>
inline IfReal<T> operator-(Zero, T a) { return -a; }
inline Zero operator-(Zero, Zero) { return {}; }
template <typename T, typename = IfReal<T>>
inline Zero operator*(T, Zero) { return {}; }
template <typename T, typename = IfReal<T>>
inline Zero operator*(Zero, T) { return {}; }

// Input r of a butterfly whose first Live inputs are nonzero: x[i], or Zero (x not read).
template <int R, int Live, typename T>
inline auto input(const T* x, std::size_t i) {  // no __restrict: the caller's holds
  if constexpr (R < Live) {
    return x[i];
  } else {
    return Zero{};
  }
}

// One stage's butterflies (elements of type T: double, or float for the single-precision
// transforms). x* are the stage inputs, y* its outputs; MW = M*W
// elements per contiguous run; tr/ti the p-1 twiddles w_L^{r k1}, r = 1..p-1.
// Twiddle = false is the k1 = 0 column, where all twiddles are 1. Live < p: inputs Live..p-1
// are 0 and not read (see transform_split_lit).
// a *= w for the complex a = (re, im) and w = (wr, wi); a Zero input stays Zero.
template <class A, typename T>
inline void rotate(A& re, A& im, T wr, T wi) {
  const auto r = re * wr - im * wi;
  im = re * wi + im * wr;
  re = r;
}

template <bool Twiddle, int Live = 2, typename T>
inline void butterfly2(const T* __restrict x0r, const T* __restrict x0i,
                       const T* __restrict x1r, const T* __restrict x1i,
                       T* __restrict y0r, T* __restrict y0i, T* __restrict y1r,
                       T* __restrict y1i, std::size_t MW, const T* tr,
                       const T* ti) {
  const T w1r = Twiddle ? tr[0] : T(1), w1i = Twiddle ? ti[0] : T(0);
  for (std::size_t i = 0; i < MW; ++i) {
    const T a0r = x0r[i], a0i = x0i[i];
    auto a1r = input<1, Live>(x1r, i);
    auto a1i = input<1, Live>(x1i, i);
    if (Twiddle) {
      rotate(a1r, a1i, w1r, w1i);
    }
    y0r[i] = a0r + a1r;
    y0i[i] = a0i + a1i;
    y1r[i] = a0r - a1r;
    y1i[i] = a0i - a1i;
  }
}

template <bool Twiddle, int Live = 3, typename T>
inline void butterfly3(const T* __restrict x0r, const T* __restrict x0i,
                       const T* __restrict x1r, const T* __restrict x1i,
                       const T* __restrict x2r, const T* __restrict x2i,
                       T* __restrict y0r, T* __restrict y0i, T* __restrict y1r,
                       T* __restrict y1i, T* __restrict y2r, T* __restrict y2i,
                       std::size_t MW, const T* tr, const T* ti) {
  const T w1r = Twiddle ? tr[0] : T(1), w1i = Twiddle ? ti[0] : T(0);
  const T w2r = Twiddle ? tr[1] : T(1), w2i = Twiddle ? ti[1] : T(0);
  for (std::size_t i = 0; i < MW; ++i) {
    const T a0r = x0r[i], a0i = x0i[i];
    auto a1r = input<1, Live>(x1r, i);
    auto a1i = input<1, Live>(x1i, i);
    auto a2r = input<2, Live>(x2r, i);
    auto a2i = input<2, Live>(x2i, i);
    if (Twiddle) {
      rotate(a1r, a1i, w1r, w1i);
      rotate(a2r, a2i, w2r, w2i);
    }
    const auto tr_ = a1r + a2r, ti_ = a1i + a2i;
    const auto dr = a1r - a2r, di = a1i - a2i;
    const auto mr = a0r - T(0.5) * tr_, mi = a0i - T(0.5) * ti_;
    // -i sin(60) (a1 - a2)
    const auto sr = T(kSin60) * di, si = -T(kSin60) * dr;
    y0r[i] = a0r + tr_;
    y0i[i] = a0i + ti_;
    y1r[i] = mr + sr;
    y1i[i] = mi + si;
    y2r[i] = mr - sr;
    y2i[i] = mi - si;
  }
}

template <bool Twiddle, int Live = 4, typename T>
inline void butterfly4(const T* __restrict x0r, const T* __restrict x0i,
                       const T* __restrict x1r, const T* __restrict x1i,
                       const T* __restrict x2r, const T* __restrict x2i,
                       const T* __restrict x3r, const T* __restrict x3i,
                       T* __restrict y0r, T* __restrict y0i, T* __restrict y1r,
                       T* __restrict y1i, T* __restrict y2r, T* __restrict y2i,
                       T* __restrict y3r, T* __restrict y3i, std::size_t MW,
                       const T* tr, const T* ti) {
  const T w1r = Twiddle ? tr[0] : T(1), w1i = Twiddle ? ti[0] : T(0);
  const T w2r = Twiddle ? tr[1] : T(1), w2i = Twiddle ? ti[1] : T(0);
  const T w3r = Twiddle ? tr[2] : T(1), w3i = Twiddle ? ti[2] : T(0);
  for (std::size_t i = 0; i < MW; ++i) {
    const T a0r = x0r[i], a0i = x0i[i];
    auto a1r = input<1, Live>(x1r, i);
    auto a1i = input<1, Live>(x1i, i);
    auto a2r = input<2, Live>(x2r, i);
    auto a2i = input<2, Live>(x2i, i);
    auto a3r = input<3, Live>(x3r, i);
    auto a3i = input<3, Live>(x3i, i);
    if (Twiddle) {
      rotate(a1r, a1i, w1r, w1i);
      rotate(a2r, a2i, w2r, w2i);
      rotate(a3r, a3i, w3r, w3i);
    }
    const auto t0r = a0r + a2r, t0i = a0i + a2i;
    const auto t1r = a0r - a2r, t1i = a0i - a2i;
    const auto t2r = a1r + a3r, t2i = a1i + a3i;
    const auto t3r = a1r - a3r, t3i = a1i - a3i;
    y0r[i] = t0r + t2r;
    y0i[i] = t0i + t2i;
    y2r[i] = t0r - t2r;
    y2i[i] = t0i - t2i;
    // y1 = t1 - i t3, y3 = t1 + i t3 (w_4 = -i)
    y1r[i] = t1r + t3i;
    y1i[i] = t1i - t3r;
    y3r[i] = t1r - t3i;
    y3i[i] = t1i + t3r;
  }
}

template <bool Twiddle, int Live = 5, typename T>
inline void butterfly5(const T* __restrict x0r, const T* __restrict x0i,
                       const T* __restrict x1r, const T* __restrict x1i,
                       const T* __restrict x2r, const T* __restrict x2i,
                       const T* __restrict x3r, const T* __restrict x3i,
                       const T* __restrict x4r, const T* __restrict x4i,
                       T* __restrict y0r, T* __restrict y0i, T* __restrict y1r,
                       T* __restrict y1i, T* __restrict y2r, T* __restrict y2i,
                       T* __restrict y3r, T* __restrict y3i, T* __restrict y4r,
                       T* __restrict y4i, std::size_t MW, const T* tr,
                       const T* ti) {
  const T w1r = Twiddle ? tr[0] : T(1), w1i = Twiddle ? ti[0] : T(0);
  const T w2r = Twiddle ? tr[1] : T(1), w2i = Twiddle ? ti[1] : T(0);
  const T w3r = Twiddle ? tr[2] : T(1), w3i = Twiddle ? ti[2] : T(0);
  const T w4r = Twiddle ? tr[3] : T(1), w4i = Twiddle ? ti[3] : T(0);
  for (std::size_t i = 0; i < MW; ++i) {
    const T a0r = x0r[i], a0i = x0i[i];
    auto a1r = input<1, Live>(x1r, i);
    auto a1i = input<1, Live>(x1i, i);
    auto a2r = input<2, Live>(x2r, i);
    auto a2i = input<2, Live>(x2i, i);
    auto a3r = input<3, Live>(x3r, i);
    auto a3i = input<3, Live>(x3i, i);
    auto a4r = input<4, Live>(x4r, i);
    auto a4i = input<4, Live>(x4i, i);
    if (Twiddle) {
      rotate(a1r, a1i, w1r, w1i);
      rotate(a2r, a2i, w2r, w2i);
      rotate(a3r, a3i, w3r, w3i);
      rotate(a4r, a4i, w4r, w4i);
    }
    const auto t1r = a1r + a4r, t1i = a1i + a4i, d1r = a1r - a4r, d1i = a1i - a4i;
    const auto t2r = a2r + a3r, t2i = a2i + a3i, d2r = a2r - a3r, d2i = a2i - a3i;
    // y1,4 = A -/+ i B and y2,3 = C -/+ i D with
    // A = a0 + c1 t1 + c2 t2, B = s1 d1 + s2 d2, C = a0 + c2 t1 + c1 t2, D = s2 d1 - s1 d2.
    const auto Ar = a0r + T(kC1) * t1r + T(kC2) * t2r, Ai = a0i + T(kC1) * t1i + T(kC2) * t2i;
    const auto Br = T(kS1) * d1r + T(kS2) * d2r, Bi = T(kS1) * d1i + T(kS2) * d2i;
    const auto Cr = a0r + T(kC2) * t1r + T(kC1) * t2r, Ci = a0i + T(kC2) * t1i + T(kC1) * t2i;
    const auto Dr = T(kS2) * d1r - T(kS1) * d2r, Di = T(kS2) * d1i - T(kS1) * d2i;
    y0r[i] = a0r + t1r + t2r;
    y0i[i] = a0i + t1i + t2i;
    y1r[i] = Ar + Bi;
    y1i[i] = Ai - Br;
    y4r[i] = Ar - Bi;
    y4i[i] = Ai + Br;
    y2r[i] = Cr + Di;
    y2i[i] = Ci - Dr;
    y3r[i] = Cr - Di;
    y3i[i] = Ci + Dr;
  }
}

// Runs the butterflies of one radix-P stage for column k1; x/y point at the stage's
// input/output arrays. Inputs r of column k1 start at MW (r + P k1), outputs
// k2 at MW (k1 + l k2).
template <int P, bool Twiddle, typename T>
inline void stage_column(std::size_t l, std::size_t k1, std::size_t MW, const T* xr,
                         const T* xi, T* yr, T* yi, const T* tr,
                         const T* ti) {
  const std::size_t in0 = MW * P * k1;
  const std::size_t out0 = MW * k1;
  const std::size_t os = MW * l;  // output stride between k2
  if constexpr (P == 2) {
    butterfly2<Twiddle>(xr + in0, xi + in0, xr + in0 + MW, xi + in0 + MW, yr + out0, yi + out0,
                        yr + out0 + os, yi + out0 + os, MW, tr, ti);
  } else if constexpr (P == 3) {
    butterfly3<Twiddle>(xr + in0, xi + in0, xr + in0 + MW, xi + in0 + MW, xr + in0 + 2 * MW,
                        xi + in0 + 2 * MW, yr + out0, yi + out0, yr + out0 + os,
                        yi + out0 + os, yr + out0 + 2 * os, yi + out0 + 2 * os, MW, tr, ti);
  } else if constexpr (P == 4) {
    butterfly4<Twiddle>(xr + in0, xi + in0, xr + in0 + MW, xi + in0 + MW, xr + in0 + 2 * MW,
                        xi + in0 + 2 * MW, xr + in0 + 3 * MW, xi + in0 + 3 * MW, yr + out0,
                        yi + out0, yr + out0 + os, yi + out0 + os, yr + out0 + 2 * os,
                        yi + out0 + 2 * os, yr + out0 + 3 * os, yi + out0 + 3 * os, MW, tr, ti);
  } else {
    butterfly5<Twiddle>(xr + in0, xi + in0, xr + in0 + MW, xi + in0 + MW, xr + in0 + 2 * MW,
                        xi + in0 + 2 * MW, xr + in0 + 3 * MW, xi + in0 + 3 * MW,
                        xr + in0 + 4 * MW, xi + in0 + 4 * MW, yr + out0, yi + out0,
                        yr + out0 + os, yi + out0 + os, yr + out0 + 2 * os,
                        yi + out0 + 2 * os, yr + out0 + 3 * os, yi + out0 + 3 * os,
                        yr + out0 + 4 * os, yi + out0 + 4 * os, MW, tr, ti);
  }
}

// All columns k1 < l of a radix-P stage whose runs are MW elements long; kMW > 0 makes MW that
// compile-time constant (the loops then unroll), 0 leaves it to the argument, a multiple of
// kBlock (the lanes: the loops then need no remainder).
template <int P, std::size_t kMW, std::size_t kBlock, typename T>
void stage_columns_radix(std::size_t l, std::size_t MW, const T* xr, const T* xi,
                         T* yr, T* yi, const T* tr, const T* ti) {
  if (MW % kBlock != 0) __builtin_unreachable();
  const std::size_t run = kMW > 0 ? kMW : MW;
  stage_column<P, false>(l, 0, run, xr, xi, yr, yi, tr, ti);
  for (std::size_t k1 = 1; k1 < l; ++k1)
    stage_column<P, true>(l, k1, run, xr, xi, yr, yi, tr + (P - 1) * k1, ti + (P - 1) * k1);
}

// stage_columns_radix for the stage's radix p. The radix is dispatched once per stage, not per
// column: the last stage's columns (runs of one lane block) spent ~28 instructions each on the
// per-column switch and pointer set-up against 65-167 of butterfly.
template <std::size_t kMW, std::size_t kBlock, typename T>
void stage_columns(int p, std::size_t l, std::size_t MW, const T* xr, const T* xi,
                   T* yr, T* yi, const T* tr, const T* ti) {
  switch (p) {
    case 2: stage_columns_radix<2, kMW, kBlock>(l, MW, xr, xi, yr, yi, tr, ti); break;
    case 3: stage_columns_radix<3, kMW, kBlock>(l, MW, xr, xi, yr, yi, tr, ti); break;
    case 4: stage_columns_radix<4, kMW, kBlock>(l, MW, xr, xi, yr, yi, tr, ti); break;
    default: stage_columns_radix<5, kMW, kBlock>(l, MW, xr, xi, yr, yi, tr, ti); break;  // 5
  }
}

}  // namespace

// The stages from `first` on, ping-ponging between (xr, xi) and (yr, yi); true when the result
// lands in the buffer that was (yr, yi) at the plan's first stage.
template <int W, typename T>
bool run_stages(const ComplexFftPlan& plan, std::size_t first, T* xr, T* xi, T* yr,
                T* yi) {
  const auto& stages = plan.stages();
  for (std::size_t k = first; k < stages.size(); ++k) {
    const ComplexFftPlan::Stage& s = stages[k];
    const std::size_t MW = s.rest * W;
    const int p = s.radix;
    const T* tr = plan.twiddle_re<T>() + s.twiddle_offset;
    const T* ti = plan.twiddle_im<T>() + s.twiddle_offset;
    if (W > 1 && s.rest == 1) {
      // The last stage (one lane block per butterfly input): the run length is the constant W,
      // so the butterflies' loops unroll fully instead of paying loop and call overhead per k1.
      stage_columns<W, W>(p, s.done, MW, xr, xi, yr, yi, tr, ti);
    } else {
      stage_columns<0, W>(p, s.done, MW, xr, xi, yr, yi, tr, ti);
    }
    std::swap(xr, yr);
    std::swap(xi, yi);
  }
  return stages.size() % 2 == 1;
}

template <int W, typename T>
bool transform_split(const ComplexFftPlan& plan, T* re, T* im, T* work_re,
                     T* work_im) {
  return run_stages<W>(plan, 0, re, im, work_re, work_im);
}

// The first stage's butterflies (l = 1: no twiddles; input r and output r both at r MW) over the
// runs of elements [begin, end), with inputs Live..P-1 zero.
template <int P, int Live, typename T>
void first_stage_run(std::size_t MW, std::size_t begin, std::size_t end, const T* xr,
                     const T* xi, T* yr, T* yi) {
  const std::size_t n = end - begin;
  const T* a = xr + begin;
  const T* b = xi + begin;
  T* c = yr + begin;
  T* d = yi + begin;
  const T* none = nullptr;  // no twiddles
  if constexpr (P == 2) {
    butterfly2<false, Live>(a, b, a + MW, b + MW, c, d, c + MW, d + MW, n, none, none);
  } else if constexpr (P == 3) {
    butterfly3<false, Live>(a, b, a + MW, b + MW, a + 2 * MW, b + 2 * MW, c, d, c + MW, d + MW,
                            c + 2 * MW, d + 2 * MW, n, none, none);
  } else if constexpr (P == 4) {
    butterfly4<false, Live>(a, b, a + MW, b + MW, a + 2 * MW, b + 2 * MW, a + 3 * MW, b + 3 * MW,
                            c, d, c + MW, d + MW, c + 2 * MW, d + 2 * MW, c + 3 * MW, d + 3 * MW,
                            n, none, none);
  } else {
    butterfly5<false, Live>(a, b, a + MW, b + MW, a + 2 * MW, b + 2 * MW, a + 3 * MW, b + 3 * MW,
                            a + 4 * MW, b + 4 * MW, c, d, c + MW, d + MW, c + 2 * MW, d + 2 * MW,
                            c + 3 * MW, d + 3 * MW, c + 4 * MW, d + 4 * MW, n, none, none);
  }
}

// The first stage of a radix-P plan for input that is 0 from element `length` on: element j of
// run r is x[j + m r], so the butterflies of j read `live` nonzero inputs where
// live = ceil((length - j) / m) (at most P): each range of j with one count runs the butterfly
// with the rest of its inputs dropped; where none is live the outputs are 0.
template <int P, int W, typename T>
void first_stage_lit(std::size_t m, std::size_t length, const T* xr, const T* xi,
                     T* yr, T* yi) {
  const std::size_t MW = m * W;
  // live(j) > r for j < bound(r): the j whose input r is nonzero.
  auto bound = [&](std::size_t r) {
    return length > m * r ? std::min(length - m * r, m) * W : std::size_t{0};
  };
  first_stage_run<P, P>(MW, 0, bound(P - 1), xr, xi, yr, yi);
  if constexpr (P > 4) first_stage_run<P, 4>(MW, bound(4), bound(3), xr, xi, yr, yi);
  if constexpr (P > 3) first_stage_run<P, 3>(MW, bound(3), bound(2), xr, xi, yr, yi);
  if constexpr (P > 2) first_stage_run<P, 2>(MW, bound(2), bound(1), xr, xi, yr, yi);
  first_stage_run<P, 1>(MW, bound(1), bound(0), xr, xi, yr, yi);
  for (std::size_t r = 0; r < static_cast<std::size_t>(P); ++r) {
    std::fill(yr + r * MW + bound(0), yr + (r + 1) * MW, T(0));
    std::fill(yi + r * MW + bound(0), yi + (r + 1) * MW, T(0));
  }
}

// transform_split for input that is 0 from element `length` on (those elements are not read):
// the first stage skips the arithmetic on the zeros; the values are the full transform's
// (but for the sign of a zero).
template <int W, typename T>
bool transform_split_lit(const ComplexFftPlan& plan, std::size_t length, T* re, T* im,
                         T* work_re, T* work_im) {
  const auto& stages = plan.stages();
  if (stages.empty() || length >= plan.size()) {
    if (stages.empty() && length == 0) re[0] = im[0] = T(0);  // n = 1: no stages
    return transform_split<W>(plan, re, im, work_re, work_im);
  }
  const std::size_t m = stages[0].rest;
  switch (stages[0].radix) {
    case 2: first_stage_lit<2, W>(m, length, re, im, work_re, work_im); break;
    case 3: first_stage_lit<3, W>(m, length, re, im, work_re, work_im); break;
    case 4: first_stage_lit<4, W>(m, length, re, im, work_re, work_im); break;
    default: first_stage_lit<5, W>(m, length, re, im, work_re, work_im); break;
  }
  return run_stages<W>(plan, 1, work_re, work_im, re, im);
}

template <typename T>
bool fft_split_single(const ComplexFftPlan& plan, T* re, T* im, T* work_re,
                      T* work_im) {
  return transform_split<1>(plan, re, im, work_re, work_im);
}

template <typename T, int W>
bool fft_split_lanes(const ComplexFftPlan& plan, T* re, T* im, T* work_re,
                     T* work_im) {
  return transform_split<W>(plan, re, im, work_re, work_im);
}

template <typename T, int W>
bool fft_split_lanes_lit(const ComplexFftPlan& plan, std::size_t length, T* re, T* im,
                         T* work_re, T* work_im) {
  return transform_split_lit<W>(plan, length, re, im, work_re, work_im);
}

template bool fft_split_single(const ComplexFftPlan&, double*, double*, double*, double*);
template bool fft_split_single(const ComplexFftPlan&, float*, float*, float*, float*);
template bool fft_split_lanes(const ComplexFftPlan&, double*, double*, double*, double*);
template bool fft_split_lanes_lit(const ComplexFftPlan&, std::size_t, double*, double*, double*, double*);
template bool fft_split_lanes<float, kFloatLanes>(const ComplexFftPlan&, float*, float*, float*,
                                                  float*);
template bool fft_split_lanes_lit<float, kFloatLanes>(const ComplexFftPlan&, std::size_t, float*,
                                                      float*, float*, float*);

void fft_lanes(const ComplexFftPlan& plan, const FftLanesIn& in, const FftLanesOut& out,
               FftDirection direction, double scale, double* scratch) {
  constexpr int W = kFftLanes;
  const std::size_t n = plan.size();
  const auto [re, im, wre, wim] = plan.split_buffers(scratch);
  // Gather. Unused lanes are zeroed: they are transformed along (cheaper than
  // a remainder path) and must not hold denormals or NaNs that slow the FPU.
  const bool contiguous = [&] {
    for (int l = 1; l < in.count; ++l)
      if (in.base[l] != in.base[0] + 2 * l || in.stride[l] != in.stride[0]) return false;
    return true;
  }();
  if (contiguous && in.count == W) {
    const double* base = in.base[0];
    const std::size_t stride = in.stride[0];
    // Each row of a column block lies in its own 4 KiB page once rows are
    // longer than 4 KiB, and hardware prefetchers stop at page boundaries: ask
    // for the rows kPrefetchRows ahead explicitly (three cache lines cover the
    // 128 bytes whatever their alignment).
    constexpr std::size_t kPrefetchRows = 16;
    for (std::size_t t = 0; t < n; ++t) {
      if (t + kPrefetchRows < n) {
        const double* ahead = base + (t + kPrefetchRows) * stride;
        __builtin_prefetch(ahead);
        __builtin_prefetch(ahead + 8);
        __builtin_prefetch(ahead + 15);
      }
      fft_detail::deinterleave<W>(base + t * stride, re + t * W, im + t * W);
    }
  } else {
    for (std::size_t t = 0; t < n; ++t) {
      for (int l = 0; l < in.count; ++l) {
        const double* src = in.base[l] + t * in.stride[l];
        re[t * W + l] = src[0];
        im[t * W + l] = src[1];
      }
      for (int l = in.count; l < W; ++l) {
        re[t * W + l] = 0.0;
        im[t * W + l] = 0.0;
      }
    }
  }
  const double* rr;
  const double* ri;
  if (direction == FftDirection::forward) {
    const bool in_work = transform_split<W>(plan, re, im, wre, wim);
    rr = in_work ? wre : re;
    ri = in_work ? wim : im;
  } else {
    const bool in_work = transform_split<W>(plan, im, re, wim, wre);
    rr = in_work ? wre : re;
    ri = in_work ? wim : im;
  }
  const bool out_contiguous = [&] {
    for (int l = 1; l < out.count; ++l)
      if (out.base[l] != out.base[0] + 2 * l || out.stride[l] != out.stride[0]) return false;
    return true;
  }();
  if (out_contiguous && out.count == W) {
    double* base = out.base[0];
    const std::size_t stride = out.stride[0];
    for (std::size_t t = 0; t < n; ++t)
      fft_detail::interleave<W>(rr + t * W, ri + t * W, scale, base + t * stride);
  } else {
    for (std::size_t t = 0; t < n; ++t)
      for (int l = 0; l < out.count; ++l) {
        double* dst = out.base[l] + t * out.stride[l];
        dst[0] = scale * rr[t * W + l];
        dst[1] = scale * ri[t * W + l];
      }
  }
}

void fft_single(const ComplexFftPlan& plan, const double* in, double* out, FftDirection direction,
                double scale, double* scratch) {
  const std::size_t n = plan.size();
  const auto [re, im, wre, wim] = plan.split_buffers(scratch);
  for (std::size_t t = 0; t < n; ++t) {
    re[t] = in[2 * t];
    im[t] = in[2 * t + 1];
  }
  const bool in_work = direction == FftDirection::forward
                           ? transform_split<1>(plan, re, im, wre, wim)
                           : transform_split<1>(plan, im, re, wim, wre);
  const double* rr = in_work ? wre : re;
  const double* ri = in_work ? wim : im;
  for (std::size_t t = 0; t < n; ++t) {
    out[2 * t] = scale * rr[t];
    out[2 * t + 1] = scale * ri[t];
  }
}

}  // namespace polychrome::POLYCHROME_KERNEL_NAMESPACE
