// The complex FFT's butterflies, gathers and scatters, compiled once per
// CPU level (see polychrome/cpu_kernels.hpp); the algorithm and the plan
// are described in fft_complex.cpp.
#include <cstddef>
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

// One stage's butterflies. x* are the stage inputs, y* its outputs; MW = M*W
// doubles per contiguous run; tr/ti the p-1 twiddles w_L^{r k1}, r = 1..p-1.
// Twiddle = false is the k1 = 0 column, where all twiddles are 1.
template <bool Twiddle>
inline void butterfly2(const double* __restrict x0r, const double* __restrict x0i,
                       const double* __restrict x1r, const double* __restrict x1i,
                       double* __restrict y0r, double* __restrict y0i, double* __restrict y1r,
                       double* __restrict y1i, std::size_t MW, const double* tr,
                       const double* ti) {
  const double w1r = Twiddle ? tr[0] : 1.0, w1i = Twiddle ? ti[0] : 0.0;
  for (std::size_t i = 0; i < MW; ++i) {
    const double a0r = x0r[i], a0i = x0i[i];
    double a1r = x1r[i], a1i = x1i[i];
    if (Twiddle) {
      const double r = a1r * w1r - a1i * w1i;
      a1i = a1r * w1i + a1i * w1r;
      a1r = r;
    }
    y0r[i] = a0r + a1r;
    y0i[i] = a0i + a1i;
    y1r[i] = a0r - a1r;
    y1i[i] = a0i - a1i;
  }
}

template <bool Twiddle>
inline void butterfly3(const double* __restrict x0r, const double* __restrict x0i,
                       const double* __restrict x1r, const double* __restrict x1i,
                       const double* __restrict x2r, const double* __restrict x2i,
                       double* __restrict y0r, double* __restrict y0i, double* __restrict y1r,
                       double* __restrict y1i, double* __restrict y2r, double* __restrict y2i,
                       std::size_t MW, const double* tr, const double* ti) {
  const double w1r = Twiddle ? tr[0] : 1.0, w1i = Twiddle ? ti[0] : 0.0;
  const double w2r = Twiddle ? tr[1] : 1.0, w2i = Twiddle ? ti[1] : 0.0;
  for (std::size_t i = 0; i < MW; ++i) {
    const double a0r = x0r[i], a0i = x0i[i];
    double a1r = x1r[i], a1i = x1i[i], a2r = x2r[i], a2i = x2i[i];
    if (Twiddle) {
      const double r1 = a1r * w1r - a1i * w1i;
      a1i = a1r * w1i + a1i * w1r;
      a1r = r1;
      const double r2 = a2r * w2r - a2i * w2i;
      a2i = a2r * w2i + a2i * w2r;
      a2r = r2;
    }
    const double tr_ = a1r + a2r, ti_ = a1i + a2i;
    const double dr = a1r - a2r, di = a1i - a2i;
    const double mr = a0r - 0.5 * tr_, mi = a0i - 0.5 * ti_;
    // -i sin(60) (a1 - a2)
    const double sr = kSin60 * di, si = -kSin60 * dr;
    y0r[i] = a0r + tr_;
    y0i[i] = a0i + ti_;
    y1r[i] = mr + sr;
    y1i[i] = mi + si;
    y2r[i] = mr - sr;
    y2i[i] = mi - si;
  }
}

template <bool Twiddle>
inline void butterfly4(const double* __restrict x0r, const double* __restrict x0i,
                       const double* __restrict x1r, const double* __restrict x1i,
                       const double* __restrict x2r, const double* __restrict x2i,
                       const double* __restrict x3r, const double* __restrict x3i,
                       double* __restrict y0r, double* __restrict y0i, double* __restrict y1r,
                       double* __restrict y1i, double* __restrict y2r, double* __restrict y2i,
                       double* __restrict y3r, double* __restrict y3i, std::size_t MW,
                       const double* tr, const double* ti) {
  const double w1r = Twiddle ? tr[0] : 1.0, w1i = Twiddle ? ti[0] : 0.0;
  const double w2r = Twiddle ? tr[1] : 1.0, w2i = Twiddle ? ti[1] : 0.0;
  const double w3r = Twiddle ? tr[2] : 1.0, w3i = Twiddle ? ti[2] : 0.0;
  for (std::size_t i = 0; i < MW; ++i) {
    const double a0r = x0r[i], a0i = x0i[i];
    double a1r = x1r[i], a1i = x1i[i], a2r = x2r[i], a2i = x2i[i], a3r = x3r[i], a3i = x3i[i];
    if (Twiddle) {
      const double r1 = a1r * w1r - a1i * w1i;
      a1i = a1r * w1i + a1i * w1r;
      a1r = r1;
      const double r2 = a2r * w2r - a2i * w2i;
      a2i = a2r * w2i + a2i * w2r;
      a2r = r2;
      const double r3 = a3r * w3r - a3i * w3i;
      a3i = a3r * w3i + a3i * w3r;
      a3r = r3;
    }
    const double t0r = a0r + a2r, t0i = a0i + a2i;
    const double t1r = a0r - a2r, t1i = a0i - a2i;
    const double t2r = a1r + a3r, t2i = a1i + a3i;
    const double t3r = a1r - a3r, t3i = a1i - a3i;
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

template <bool Twiddle>
inline void butterfly5(const double* __restrict x0r, const double* __restrict x0i,
                       const double* __restrict x1r, const double* __restrict x1i,
                       const double* __restrict x2r, const double* __restrict x2i,
                       const double* __restrict x3r, const double* __restrict x3i,
                       const double* __restrict x4r, const double* __restrict x4i,
                       double* __restrict y0r, double* __restrict y0i, double* __restrict y1r,
                       double* __restrict y1i, double* __restrict y2r, double* __restrict y2i,
                       double* __restrict y3r, double* __restrict y3i, double* __restrict y4r,
                       double* __restrict y4i, std::size_t MW, const double* tr,
                       const double* ti) {
  const double w1r = Twiddle ? tr[0] : 1.0, w1i = Twiddle ? ti[0] : 0.0;
  const double w2r = Twiddle ? tr[1] : 1.0, w2i = Twiddle ? ti[1] : 0.0;
  const double w3r = Twiddle ? tr[2] : 1.0, w3i = Twiddle ? ti[2] : 0.0;
  const double w4r = Twiddle ? tr[3] : 1.0, w4i = Twiddle ? ti[3] : 0.0;
  for (std::size_t i = 0; i < MW; ++i) {
    const double a0r = x0r[i], a0i = x0i[i];
    double a1r = x1r[i], a1i = x1i[i], a2r = x2r[i], a2i = x2i[i];
    double a3r = x3r[i], a3i = x3i[i], a4r = x4r[i], a4i = x4i[i];
    if (Twiddle) {
      const double r1 = a1r * w1r - a1i * w1i;
      a1i = a1r * w1i + a1i * w1r;
      a1r = r1;
      const double r2 = a2r * w2r - a2i * w2i;
      a2i = a2r * w2i + a2i * w2r;
      a2r = r2;
      const double r3 = a3r * w3r - a3i * w3i;
      a3i = a3r * w3i + a3i * w3r;
      a3r = r3;
      const double r4 = a4r * w4r - a4i * w4i;
      a4i = a4r * w4i + a4i * w4r;
      a4r = r4;
    }
    const double t1r = a1r + a4r, t1i = a1i + a4i, d1r = a1r - a4r, d1i = a1i - a4i;
    const double t2r = a2r + a3r, t2i = a2i + a3i, d2r = a2r - a3r, d2i = a2i - a3i;
    // y1,4 = A -/+ i B and y2,3 = C -/+ i D with
    // A = a0 + c1 t1 + c2 t2, B = s1 d1 + s2 d2, C = a0 + c2 t1 + c1 t2, D = s2 d1 - s1 d2.
    const double Ar = a0r + kC1 * t1r + kC2 * t2r, Ai = a0i + kC1 * t1i + kC2 * t2i;
    const double Br = kS1 * d1r + kS2 * d2r, Bi = kS1 * d1i + kS2 * d2i;
    const double Cr = a0r + kC2 * t1r + kC1 * t2r, Ci = a0i + kC2 * t1i + kC1 * t2i;
    const double Dr = kS2 * d1r - kS1 * d2r, Di = kS2 * d1i - kS1 * d2i;
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

// Runs the butterflies of one stage for column k1; x/y point at the stage's
// input/output arrays. Inputs r of column k1 start at MW (r + p k1), outputs
// k2 at MW (k1 + l k2).
template <bool Twiddle>
inline void stage_column(int p, std::size_t l, std::size_t k1, std::size_t MW, const double* xr,
                  const double* xi, double* yr, double* yi, const double* tr,
                  const double* ti) {
  const std::size_t in0 = MW * p * k1;
  const std::size_t out0 = MW * k1;
  const std::size_t os = MW * l;  // output stride between k2
  switch (p) {
    case 2:
      butterfly2<Twiddle>(xr + in0, xi + in0, xr + in0 + MW, xi + in0 + MW, yr + out0, yi + out0,
                          yr + out0 + os, yi + out0 + os, MW, tr, ti);
      break;
    case 3:
      butterfly3<Twiddle>(xr + in0, xi + in0, xr + in0 + MW, xi + in0 + MW, xr + in0 + 2 * MW,
                          xi + in0 + 2 * MW, yr + out0, yi + out0, yr + out0 + os,
                          yi + out0 + os, yr + out0 + 2 * os, yi + out0 + 2 * os, MW, tr, ti);
      break;
    case 4:
      butterfly4<Twiddle>(xr + in0, xi + in0, xr + in0 + MW, xi + in0 + MW, xr + in0 + 2 * MW,
                          xi + in0 + 2 * MW, xr + in0 + 3 * MW, xi + in0 + 3 * MW, yr + out0,
                          yi + out0, yr + out0 + os, yi + out0 + os, yr + out0 + 2 * os,
                          yi + out0 + 2 * os, yr + out0 + 3 * os, yi + out0 + 3 * os, MW, tr,
                          ti);
      break;
    default:  // 5
      butterfly5<Twiddle>(xr + in0, xi + in0, xr + in0 + MW, xi + in0 + MW, xr + in0 + 2 * MW,
                          xi + in0 + 2 * MW, xr + in0 + 3 * MW, xi + in0 + 3 * MW,
                          xr + in0 + 4 * MW, xi + in0 + 4 * MW, yr + out0, yi + out0,
                          yr + out0 + os, yi + out0 + os, yr + out0 + 2 * os,
                          yi + out0 + 2 * os, yr + out0 + 3 * os, yi + out0 + 3 * os,
                          yr + out0 + 4 * os, yi + out0 + 4 * os, MW, tr, ti);
      break;
  }
}

// All columns k1 < l of a stage whose runs are MW doubles long; kMW > 0 makes MW that
// compile-time constant (the loops then unroll), 0 leaves it to the argument.
template <std::size_t kMW>
void stage_columns(int p, std::size_t l, std::size_t MW, const double* xr, const double* xi, double* yr,
                   double* yi, const double* tr, const double* ti) {
  const std::size_t run = kMW > 0 ? kMW : MW;
  stage_column<false>(p, l, 0, run, xr, xi, yr, yi, tr, ti);
  for (std::size_t k1 = 1; k1 < l; ++k1)
    stage_column<true>(p, l, k1, run, xr, xi, yr, yi, tr + (p - 1) * k1, ti + (p - 1) * k1);
}

}  // namespace

template <int W>
bool transform_split(const ComplexFftPlan& plan, double* re, double* im, double* work_re,
                     double* work_im) {
  double* xr = re;
  double* xi = im;
  double* yr = work_re;
  double* yi = work_im;
  for (const ComplexFftPlan::Stage& s : plan.stages()) {
    const std::size_t MW = s.rest * W;
    const int p = s.radix;
    const double* tr = plan.twiddle_re() + s.twiddle_offset;
    const double* ti = plan.twiddle_im() + s.twiddle_offset;
    if (W > 1 && s.rest == 1) {
      // The last stage (one lane block per butterfly input): the run length is the constant W,
      // so the butterflies' loops unroll fully instead of paying loop and call overhead per k1.
      stage_columns<W>(p, s.done, MW, xr, xi, yr, yi, tr, ti);
    } else {
      stage_columns<0>(p, s.done, MW, xr, xi, yr, yi, tr, ti);
    }
    std::swap(xr, yr);
    std::swap(xi, yi);
  }
  return plan.stages().size() % 2 == 1;
}

bool fft_split_single(const ComplexFftPlan& plan, double* re, double* im, double* work_re,
                      double* work_im) {
  return transform_split<1>(plan, re, im, work_re, work_im);
}

bool fft_split_lanes(const ComplexFftPlan& plan, double* re, double* im, double* work_re,
                     double* work_im) {
  return transform_split<kFftLanes>(plan, re, im, work_re, work_im);
}

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
      fft_detail::deinterleave8(base + t * stride, re + t * W, im + t * W);
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
      fft_detail::interleave8(rr + t * W, ri + t * W, scale, base + t * stride);
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
