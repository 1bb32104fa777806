// Isophote shapes other than the ellipse: the radius R(w) at which a radial
// profile is evaluated, from the circularised coordinates w = (wa, wb) (wa
// along the major axis, wb along the minor one divided by q, arcsec), with
// its derivatives by wa, wb and by the shape's own parameters.
//
// Each shape is one small struct: num_params(), parameter_names() and
// radius(wa, wb, R, dR/dwa, dR/dwb, d ln R/dshape). With R = |w| they would be
// the ellipse; the renderer for shaped profiles (shaped_render.cpp) integrates
// the pixels a-posteriori, so a shape need not supply the radial structure
// that the elliptical engine's error estimate relies on.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "polychrome/fast_math.hpp"
#include "polychrome/inline.hpp"

namespace polychrome {

/// The ellipse itself, R = |w| (what a warp bends when no other shape is given).
struct EllipseIsophote {
  int num_params() const { return 0; }
  std::vector<std::string> parameter_names() const { return {}; }

  POLYCHROME_INLINE double radius(double wa, double wb) const { return std::sqrt(wa * wa + wb * wb); }
  POLYCHROME_INLINE void radius(double wa, double wb, double& R, double& dR_dwa, double& dR_dwb, double*,
                                std::ptrdiff_t) const {
    R = std::sqrt(wa * wa + wb * wb);
    const double inv = R > 0.0 ? 1.0 / R : 0.0;
    dR_dwa = wa * inv;
    dR_dwb = wb * inv;
  }
};

/// Superellipse (boxy C0 > 0, disky C0 < 0): R = (|wa|^c + |wb|^c)^(1/c), c = C0 + 2 >= 1.
/// Branch-free (fast_log(0) is about -708, so 0^c comes out 0): it vectorises in the renderer's loops.
/// The renderer takes ln R (log_radius): with h = max(|wa|, |wb|) and t = min(|wa|, |wb|) / h in [0, 1],
/// ln R = ln h + ln(1 + t^c) / c, two logarithms and one exponential where R itself takes five.
struct SuperellipseIsophote {
  double C0 = 0.0;

  int num_params() const { return 1; }
  std::vector<std::string> parameter_names() const { return {"C0"}; }

  POLYCHROME_INLINE double radius(double wa, double wb) const {
    return std::max(std::abs(wa), std::abs(wb)) > 0.0 ? fast_exp(log_radius(wa, wb)) : 0.0;
  }

  /// ln R (R in arcsec) at w = (wa, wb) (arcsec); about -708 at w = 0.
  POLYCHROME_INLINE double log_radius(double wa, double wb) const {
    const double c = C0 + 2.0;
    const double xa = std::abs(wa), xb = std::abs(wb);
    const double hi = std::max(xa, xb), lo = std::min(xa, xb);
    const double t = hi > 0.0 ? lo / hi : 0.0;
    return fast_log(hi) + fast_log(1.0 + fast_exp(c * fast_log(t))) / c;
  }

  /// R, ln R, dR/dwa, dR/dwb and d ln R/dC0 (into dlnR_dshape[0]) at w; at w = 0 R and the derivatives
  /// are 0, ln R about -708. With u = t^c: dR/dh = R / (h (1 + u)), dR/d(min) = that times u / t, and
  /// d ln R / dc = (u ln t / (1 + u) - ln(1 + u) / c) / c (ln h cancels).
  POLYCHROME_INLINE void log_radius(double wa, double wb, double& R, double& lnR, double& dR_dwa, double& dR_dwb,
                                    double* dlnR_dshape, std::ptrdiff_t stride) const {
    const double c = C0 + 2.0, inv_c = 1.0 / c;
    const double xa = std::abs(wa), xb = std::abs(wb);
    const bool a_high = xa >= xb;
    const double hi = a_high ? xa : xb, lo = a_high ? xb : xa;
    const bool lit = hi > 0.0;
    const double t = lit ? lo / hi : 0.0;
    const double ln_t = fast_log(t);
    const double u = fast_exp(c * ln_t);  // t^c (0 at t = 0)
    const double ln_1u = fast_log(1.0 + u);
    lnR = fast_log(hi) + ln_1u * inv_c;
    R = lit ? fast_exp(lnR) : 0.0;
    const double d_hi = lit ? R / (hi * (1.0 + u)) : 0.0;
    const double d_lo = t > 0.0 ? d_hi * u / t : 0.0;
    dR_dwa = (a_high ? d_hi : d_lo) * (wa > 0.0 ? 1.0 : -1.0);
    dR_dwb = (a_high ? d_lo : d_hi) * (wb > 0.0 ? 1.0 : -1.0);
    dlnR_dshape[0] = lit ? (u * ln_t / (1.0 + u) - ln_1u * inv_c) * inv_c : 0.0;
    (void)stride;
  }

  POLYCHROME_INLINE void radius(double wa, double wb, double& R, double& dR_dwa, double& dR_dwb,
                                double* dlnR_dshape, std::ptrdiff_t stride) const {
    double lnR;
    log_radius(wa, wb, R, lnR, dR_dwa, dR_dwb, dlnR_dshape, stride);
  }
};

/// Fourier modes of the radius: R = |w| exp(sum_m a_m cos(m theta + phi_m)), theta = atan2(wb, wa).
/// Parameters: the amplitudes a_m, then the phases phi_m (rad), one each per mode.
/// cos(m theta) and sin(m theta) come from (wa + i wb)^m / r^m by repeated squaring (no atan2, sin,
/// cos). Two forms: radius() at one point (inside a warp), and radii() over a batch of points in
/// passes of one loop over the points each (the renderer's batches: such loops vectorise, a loop
/// over points holding the loop over the modes does not).
struct FourierIsophote {
  std::vector<int> modes;
  std::vector<double> amplitudes, phases;
  std::vector<double> cos_phases, sin_phases;  // of phases: set by set_phases

  void set_phases(std::vector<double> values) {
    phases = std::move(values);
    cos_phases.clear();
    sin_phases.clear();
    for (double phi : phases) {
      cos_phases.push_back(std::cos(phi));
      sin_phases.push_back(std::sin(phi));
    }
  }

  int num_params() const { return 2 * static_cast<int>(modes.size()); }
  std::vector<std::string> parameter_names() const {
    std::vector<std::string> names;
    for (std::size_t k = 0; k < modes.size(); ++k) names.push_back("am[" + std::to_string(k) + "]");
    for (std::size_t k = 0; k < modes.size(); ++k) names.push_back("phim[" + std::to_string(k) + "]");
    return names;
  }

  POLYCHROME_INLINE double radius(double wa, double wb) const {
    double R, Ra, Rb;
    evaluate<false>(wa, wb, R, Ra, Rb, nullptr, 0);
    return R;
  }
  POLYCHROME_INLINE void radius(double wa, double wb, double& R, double& dR_dwa, double& dR_dwb,
                                double* dlnR_dshape, std::ptrdiff_t stride) const {
    evaluate<true>(wa, wb, R, dR_dwa, dR_dwb, dlnR_dshape, stride);
  }

  /// ln R at the n points (wa, wb) into lnR (R in arcsec; at w = 0 about -354 plus the modes' sum); with
  /// kDerivatives also R, dR/dwa, dR/dwb into R, Ra, Rb and d ln R / dp into rows[p * stride + k].
  /// ln R = ln |w| + sum: one logarithm a point, where R = |w| e^sum and its logarithm took two. work:
  /// 5 n doubles of scratch.
  template <bool kDerivatives>
  POLYCHROME_INLINE void radii(const double* wa, const double* wb, std::size_t n, double* lnR, double* R, double* Ra, double* Rb,
             double* rows, std::ptrdiff_t stride, std::vector<double>& work) const {
    work.resize(5 * n);
    double* c1 = work.data();
    double* s1 = c1 + n;
    double* r2 = s1 + n;
    double* E = r2 + n;
    double* dE = E + n;
    const std::ptrdiff_t count = static_cast<std::ptrdiff_t>(n);
#pragma omp simd
    for (std::ptrdiff_t k = 0; k < count; ++k) {
      r2[k] = wa[k] * wa[k] + wb[k] * wb[k];
      // 1e-300: no select (a branch in this loop); it changes no r^2 above 1e-284, and at w = 0
      // R = 0 whatever the angle
      const double inv_r = 1.0 / std::sqrt(r2[k] + 1e-300);
      c1[k] = wa[k] * inv_r;
      s1[k] = wb[k] * inv_r;
      E[k] = 0.0;
      dE[k] = 0.0;
    }
    for (std::size_t j = 0; j < modes.size(); ++j) add_mode<kDerivatives>(j, c1, s1, E, dE, rows, stride, count);
#pragma omp simd
    for (std::ptrdiff_t k = 0; k < count; ++k) {
      lnR[k] = 0.5 * fast_log(r2[k]) + E[k];
      if constexpr (kDerivatives) {
        R[k] = r2[k] > 0.0 ? fast_exp(lnR[k]) : 0.0;
        // dtheta/dwa = -wb / r^2, dtheta/dwb = wa / r^2; d ln r = w / r^2
        const double scale = R[k] / (r2[k] + 1e-300);
        Ra[k] = scale * (wa[k] - wb[k] * dE[k]);
        Rb[k] = scale * (wb[k] + wa[k] * dE[k]);
      }
    }
  }

 private:
  // Mode j's terms at the count points (cos, sin theta: c1, s1) added to the sum E (with kDerivatives: its
  // theta-derivative to dE, d ln R / da_j and / dphi_j into rows): one vector loop, whose angle multiple
  // unrolls over the bits of m, a number (kBits, 1 to 7) chosen here at run time. Inlined into the
  // renderer's loops (always): an out-of-line copy would lie outside the CPU levels' namespaces, one
  // level's instructions serving them all.
  template <bool kDerivatives, int kBits = 1>
  POLYCHROME_INLINE void add_mode(std::size_t j, const double* c1, const double* s1, double* E, double* dE, double* rows,
                std::ptrdiff_t stride, std::ptrdiff_t count) const {
    const int m = modes[j];
    if constexpr (kBits < kMaxModeBits) {
      if ((m >> kBits) > 0) {
        add_mode<kDerivatives, kBits + 1>(j, c1, s1, E, dE, rows, stride, count);
        return;
      }
    }
    const double a = amplitudes[j], cp = cos_phases[j], sp = sin_phases[j], am = a * m;
    double* row_a = rows + static_cast<std::ptrdiff_t>(j) * stride;
    double* row_phi = rows + static_cast<std::ptrdiff_t>(modes.size() + j) * stride;
#pragma omp simd
    for (std::ptrdiff_t k = 0; k < count; ++k) {
      double cm, sm;
      angle_multiple<kBits>(c1[k], s1[k], m, cm, sm);
      const double c = cm * cp - sm * sp, s = sm * cp + cm * sp;  // cos, sin(m theta + phi)
      E[k] += a * c;
      if constexpr (kDerivatives) {
        dE[k] -= am * s;
        row_a[k] = c;
        row_phi[k] = -a * s;
      }
    }
  }

  // Bits of the largest mode (profile_factory.cpp allows m <= 64).
  static constexpr int kMaxModeBits = 7;

  // (c, s) = (cos m theta, sin m theta) from (c1, s1) = (cos theta, sin theta), 1 <= m <= 64, by
  // repeated squaring: over kBits bits (m's bit width, a loop of compile-time length that gcc unrolls,
  // so that a batch loop over points holding it has no inner loop and vectorises), or with kBits = 0 up
  // to m's highest bit.
  template <int kBits>
  POLYCHROME_INLINE static void angle_multiple(double c1, double s1, int m, double& c, double& s) {
    c = 1.0;
    s = 0.0;
    double bc = c1, bs = s1;
    auto bit_step = [&](int bit) __attribute__((always_inline)) {
      // c + i s times (bc + i bs) where the bit is set; the bit as a number, not a condition (a branch)
      const double odd = static_cast<double>((m >> bit) & 1);
      const double nc = c * bc - s * bs, ns = c * bs + s * bc;
      c = odd * nc + (1.0 - odd) * c;
      s = odd * ns + (1.0 - odd) * s;
      const double sc = bc * bc - bs * bs, ss = 2.0 * bc * bs;
      bc = sc;
      bs = ss;
    };
    if constexpr (kBits > 0) {
#pragma GCC unroll 7
      for (int bit = 0; bit < kBits; ++bit) bit_step(bit);
    } else {
      for (int bit = 0; (m >> bit) > 0; ++bit) bit_step(bit);
    }
  }

  template <bool kDerivatives>
  POLYCHROME_INLINE void evaluate(double wa, double wb, double& R, double& dR_dwa, double& dR_dwb,
                                  double* dlnR_dshape, std::ptrdiff_t stride) const {
    const std::size_t M = modes.size();
    const double r2 = wa * wa + wb * wb;
    const bool lit = r2 > 0.0;
    const double r = std::sqrt(r2);
    const double inv_r = lit ? 1.0 / r : 0.0;
    const double c1 = lit ? wa * inv_r : 1.0, s1 = wb * inv_r;
    double E = 0.0, dE = 0.0;  // the exponent and its derivative by theta
    for (std::size_t k = 0; k < M; ++k) {
      double cm, sm;
      angle_multiple<0>(c1, s1, modes[k], cm, sm);
      const double cp = cos_phases[k], sp = sin_phases[k];
      const double c = cm * cp - sm * sp, s = sm * cp + cm * sp;  // cos, sin(m theta + phi)
      E += amplitudes[k] * c;
      if constexpr (kDerivatives) {
        dE -= amplitudes[k] * modes[k] * s;
        dlnR_dshape[static_cast<std::ptrdiff_t>(k) * stride] = c;
        dlnR_dshape[static_cast<std::ptrdiff_t>(M + k) * stride] = -amplitudes[k] * s;
      }
    }
    R = r * fast_exp(E);
    if constexpr (kDerivatives) {
      // dtheta/dwa = -wb / r^2, dtheta/dwb = wa / r^2; d ln r = w / r^2
      const double inv_r2 = inv_r * inv_r;
      dR_dwa = R * (wa - wb * dE) * inv_r2;
      dR_dwb = R * (wb + wa * dE) * inv_r2;
    }
  }
};

/// The isophotes a warp bends (see WarpIsophote).
using InnerIsophote = std::variant<EllipseIsophote, SuperellipseIsophote, FourierIsophote>;

/// AutoProf's "cubic spline" of a warp: cubic Hermite between the knots, each knot's tangent the
/// mean of the secants beside it (the end ones: the end secant), constant beyond the last knot.
/// Linear in the knot values: value(r) = sum_k weight_k(r) y_k, where only the knots i-1 .. i+2
/// around r's segment [x_i, x_i+1] have weights. Branch-free (vectorises).
struct HermiteKnots {
  std::vector<double> x;  // knot radii, arcsec, increasing from >= 0

  /// The weights of r's segment: knot first + k has weight[k] and r-derivative slope[k], k < 4
  /// (weights of knots outside 0 .. K-1 are 0; their indices are clamped into range).
  struct Local {
    int first;  // i - 1
    double weight[4], slope[4];
  };

  POLYCHROME_INLINE Local local(double r) const {
    const int K = static_cast<int>(x.size());
    int i = 0;  // the segment: the knots x_1 .. x_K-2 at or below r
    for (int k = 1; k + 1 < K; ++k) i += r >= x[static_cast<std::size_t>(k)] ? 1 : 0;
    const bool beyond = !(r < x[static_cast<std::size_t>(K - 1)]);
    const double x0 = x[static_cast<std::size_t>(i)], x1 = x[static_cast<std::size_t>(i + 1)];
    const double dx = x1 - x0;
    const double t = beyond ? 1.0 : (r - x0) / dx, t2 = t * t, t3 = t2 * t;
    const double keep = beyond ? 0.0 : 1.0;  // beyond the last knot: its value, no slope
    const double h00 = 2 * t3 - 3 * t2 + 1, h10 = t3 - 2 * t2 + t, h01 = -2 * t3 + 3 * t2, h11 = t3 - t2;
    const double d00 = (6 * t2 - 6 * t) * keep, d10 = (3 * t2 - 4 * t + 1) * keep;
    const double d01 = (-6 * t2 + 6 * t) * keep, d11 = (3 * t2 - 2 * t) * keep;
    // the tangents: m_i = a sec_i-1 + b sec_i, m_i+1 = c sec_i + d sec_i+1 (end knots: end secants)
    const double a = i == 0 ? 0.0 : 0.5, b = i == 0 ? 1.0 : 0.5;
    const double c = i + 2 == K ? 1.0 : 0.5, d = i + 2 == K ? 0.0 : 0.5;
    const double inv_prev = i == 0 ? 0.0 : 1.0 / (x0 - x[static_cast<std::size_t>(i == 0 ? 0 : i - 1)]);
    const double inv_this = 1.0 / dx;
    const double inv_next = i + 2 == K ? 0.0 : 1.0 / (x[static_cast<std::size_t>(i + 2 == K ? i + 1 : i + 2)] - x1);
    Local out;
    out.first = i - 1;
    auto fill = [&](double* w, double y0, double y1, double m0, double m1) __attribute__((always_inline)) {
      const double A = m0 * a * inv_prev, BC = (m0 * b + m1 * c) * inv_this, D = m1 * d * inv_next;
      w[0] = -A;
      w[1] = y0 + A - BC;
      w[2] = y1 + BC - D;
      w[3] = D;
    };
    fill(out.weight, beyond ? 0.0 : h00, beyond ? 1.0 : h01, keep * h10 * dx, keep * h11 * dx);
    fill(out.slope, d00 * inv_this, d01 * inv_this, d10, d11);
    return out;
  }

  /// sum_k weight_k(r) y_k and its r-derivative, for the knot values y.
  POLYCHROME_INLINE void value(const Local& l, const double* y, double& value, double& slope) const {
    const int K = static_cast<int>(x.size());
    value = slope = 0.0;
    for (int k = 0; k < 4; ++k) {
      const int at = std::min(std::max(l.first + k, 0), K - 1);
      value += l.weight[k] * y[at];
      slope += l.slope[k] * y[at];
    }
  }
};

/// A warp (AutoProf's): the isophotes of ``inner`` turned by PA(r) and flattened by q(r) at each
/// radius r = |w|, both Hermite curves through values at the knots. Parameters: the inner
/// shape's, then q(R) (one per knot, in (0, 1]), then PA(R) (rad, one per knot, |PA(R)| <= 1000).
/// The renderer binds the inner shape's type (WarpOf) so that its loops inline and vectorise.
struct WarpIsophote {
  InnerIsophote inner;
  HermiteKnots knots;
  std::vector<double> q_values, pa_values;

  int inner_params() const {
    return std::visit([](const auto& s) { return s.num_params(); }, inner);
  }
  int num_params() const { return inner_params() + 2 * static_cast<int>(knots.x.size()); }
  std::vector<std::string> parameter_names() const {
    std::vector<std::string> names = std::visit([](const auto& s) { return s.parameter_names(); }, inner);
    for (std::size_t k = 0; k < knots.x.size(); ++k) names.push_back("q(R)[" + std::to_string(k) + "]");
    for (std::size_t k = 0; k < knots.x.size(); ++k) names.push_back("PA(R)[" + std::to_string(k) + "]");
    return names;
  }

  /// R at w for the inner shape `shape` (which must be `inner`'s alternative).
  template <class Inner>
  POLYCHROME_INLINE double radius_of(const Inner& shape, double wa, double wb) const {
    const double r = std::sqrt(wa * wa + wb * wb);
    const HermiteKnots::Local l = knots.local(r);
    double phi, dphi, qw, dqw;
    knots.value(l, pa_values.data(), phi, dphi);
    knots.value(l, q_values.data(), qw, dqw);
    qw = std::max(qw, kSmallestWarpAxisRatio);  // an overshooting curve must not reach 0
    double s, c;
    fast_sincos(phi, s, c);
    return shape.radius(wa * c + wb * s, (-wa * s + wb * c) / qw);
  }

  /// R, dR/dwa, dR/dwb and d ln R/dp for the shape's parameters p (at dlnR_dshape[p * stride]).
  template <class Inner>
  POLYCHROME_INLINE void radius_of(const Inner& shape, double wa, double wb, double& R, double& dR_dwa,
                                   double& dR_dwb, double* dlnR_dshape, std::ptrdiff_t stride) const {
    const int K = static_cast<int>(knots.x.size());
    const int ni = shape.num_params();
    const double r2 = wa * wa + wb * wb;
    const bool lit = r2 > 0.0;
    const double r = std::sqrt(r2);
    const double inv_r = lit ? 1.0 / r : 0.0;
    const HermiteKnots::Local l = knots.local(r);
    double phi, dphi, qw, dqw;
    knots.value(l, pa_values.data(), phi, dphi);
    knots.value(l, q_values.data(), qw, dqw);
    qw = std::max(qw, kSmallestWarpAxisRatio);
    double s, c;
    fast_sincos(phi, s, c);
    const double X = wa * c + wb * s, Y = -wa * s + wb * c;
    const double inv_qw = 1.0 / qw;
    double Ra, Rb;
    shape.radius(X, Y * inv_qw, R, Ra, Rb, dlnR_dshape, stride);
    const double dR_dphi = Ra * Y - Rb * X * inv_qw;
    const double dR_dqw = -Rb * Y * inv_qw * inv_qw;
    const double through_r = (dR_dphi * dphi + dR_dqw * dqw) * inv_r;
    dR_dwa = Ra * c - Rb * s * inv_qw + through_r * wa;
    dR_dwb = Ra * s + Rb * c * inv_qw + through_r * wb;
    const double inv_R = lit && R > 0.0 ? 1.0 / R : 0.0;
    const double on_q = dR_dqw * inv_R, on_pa = dR_dphi * inv_R;
    for (int k = 0; k < K; ++k) {
      double w = 0.0;
      for (int j = 0; j < 4; ++j) w += l.first + j == k ? l.weight[j] : 0.0;
      dlnR_dshape[static_cast<std::ptrdiff_t>(ni + k) * stride] = on_q * w;
      dlnR_dshape[static_cast<std::ptrdiff_t>(ni + K + k) * stride] = on_pa * w;
    }
  }

  static constexpr double kSmallestWarpAxisRatio = 0.01;
};

/// A warp with its inner shape's type bound: the shape interface (num_params, radius) that the
/// renderer instantiates for each inner shape.
template <class Inner>
struct WarpOf {
  const WarpIsophote& warp;
  const Inner& inner;

  int num_params() const { return warp.num_params(); }
  POLYCHROME_INLINE double radius(double wa, double wb) const { return warp.radius_of(inner, wa, wb); }
  POLYCHROME_INLINE void radius(double wa, double wb, double& R, double& dR_dwa, double& dR_dwb,
                                double* dlnR_dshape, std::ptrdiff_t stride) const {
    warp.radius_of(inner, wa, wb, R, dR_dwa, dR_dwb, dlnR_dshape, stride);
  }
};

using AnyIsophote = std::variant<SuperellipseIsophote, FourierIsophote, WarpIsophote>;

}  // namespace polychrome
