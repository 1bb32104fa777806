// Isophote shapes other than the ellipse: the radius R(w) at which a radial
// profile is evaluated, from the circularised coordinates w = (wa, wb) (wa
// along the major axis, wb along the minor one divided by q, arcsec), with
// its derivatives by wa, wb and by the shape's own parameters.
//
// Each shape is one small struct: num_params(), parameter_names() and
// radius(wa, wb, R, dR/dwa, dR/dwb, dR/dshape). With R = |w| they would be
// the ellipse; the renderer for shaped profiles (shaped_render.cpp) integrates
// the pixels a-posteriori, so a shape need not supply the radial structure
// that the elliptical engine's error estimate relies on.
#pragma once

#include <algorithm>
#include <cmath>
#include <string>
#include <variant>
#include <vector>

namespace polychrome {

/// The ellipse itself, R = |w| (what a warp bends when no other shape is given).
struct EllipseIsophote {
  int num_params() const { return 0; }
  std::vector<std::string> parameter_names() const { return {}; }

  void radius(double wa, double wb, double& R, double& dR_dwa, double& dR_dwb, double*) const {
    R = std::hypot(wa, wb);
    dR_dwa = R > 0.0 ? wa / R : 0.0;
    dR_dwb = R > 0.0 ? wb / R : 0.0;
  }
};

/// Superellipse (boxy C0 > 0, disky C0 < 0): R = (|wa|^c + |wb|^c)^(1/c), c = C0 + 2.
struct SuperellipseIsophote {
  double C0 = 0.0;

  int num_params() const { return 1; }
  std::vector<std::string> parameter_names() const { return {"C0"}; }

  void radius(double wa, double wb, double& R, double& dR_dwa, double& dR_dwb, double* dR_dshape) const {
    const double c = C0 + 2.0;
    const double xa = std::abs(wa), xb = std::abs(wb);
    const double la = xa > 0.0 ? std::log(xa) : 0.0, lb = xb > 0.0 ? std::log(xb) : 0.0;
    const double pa = xa > 0.0 ? std::exp(c * la) : 0.0, pb = xb > 0.0 ? std::exp(c * lb) : 0.0;  // |w|^c
    const double S = pa + pb;
    if (!(S > 0.0)) {
      R = dR_dwa = dR_dwb = dR_dshape[0] = 0.0;
      return;
    }
    const double lnS = std::log(S);
    R = std::exp(lnS / c);
    // dR/dwa = R |wa|^(c-1) sign(wa) / S
    dR_dwa = xa > 0.0 ? R * (pa / xa) / S * (wa > 0.0 ? 1.0 : -1.0) : 0.0;
    dR_dwb = xb > 0.0 ? R * (pb / xb) / S * (wb > 0.0 ? 1.0 : -1.0) : 0.0;
    // d ln R / dc = (pa ln|wa| + pb ln|wb|) / (c S) - ln S / c^2
    dR_dshape[0] = R * ((pa * la + pb * lb) / (c * S) - lnS / (c * c));
  }
};

/// Fourier modes of the radius: R = |w| exp(sum_m a_m cos(m theta + phi_m)), theta = atan2(wb, wa).
/// Parameters: the amplitudes a_m, then the phases phi_m (rad), one each per mode.
struct FourierIsophote {
  std::vector<int> modes;
  std::vector<double> amplitudes, phases;

  int num_params() const { return 2 * static_cast<int>(modes.size()); }
  std::vector<std::string> parameter_names() const {
    std::vector<std::string> names;
    for (std::size_t k = 0; k < modes.size(); ++k) names.push_back("am[" + std::to_string(k) + "]");
    for (std::size_t k = 0; k < modes.size(); ++k) names.push_back("phim[" + std::to_string(k) + "]");
    return names;
  }

  void radius(double wa, double wb, double& R, double& dR_dwa, double& dR_dwb, double* dR_dshape) const {
    const std::size_t M = modes.size();
    const double r2 = wa * wa + wb * wb;
    if (!(r2 > 0.0)) {
      R = dR_dwa = dR_dwb = 0.0;
      for (std::size_t k = 0; k < 2 * M; ++k) dR_dshape[k] = 0.0;
      return;
    }
    const double r = std::sqrt(r2);
    const double theta = std::atan2(wb, wa);
    double E = 0.0, dE = 0.0;  // the exponent and its derivative by theta
    for (std::size_t k = 0; k < M; ++k) {
      const double arg = modes[k] * theta + phases[k];
      const double c = std::cos(arg), s = std::sin(arg);
      E += amplitudes[k] * c;
      dE -= amplitudes[k] * modes[k] * s;
      dR_dshape[k] = c;                        // times R below
      dR_dshape[M + k] = -amplitudes[k] * s;   // times R below
    }
    R = r * std::exp(E);
    // dtheta/dwa = -wb / r^2, dtheta/dwb = wa / r^2; d ln r = w / r^2
    dR_dwa = R * (wa - wb * dE) / r2;
    dR_dwb = R * (wb + wa * dE) / r2;
    for (std::size_t k = 0; k < 2 * M; ++k) dR_dshape[k] *= R;
  }
};

/// The isophotes a warp bends (see WarpIsophote).
using InnerIsophote = std::variant<EllipseIsophote, SuperellipseIsophote, FourierIsophote>;

/// AutoProf's "cubic spline" of a warp: cubic Hermite between the knots, each knot's tangent the
/// mean of the secants beside it (the end ones: the end secant), constant beyond the last knot.
/// Linear in the knot values: value(r) = sum_k weight_k(r) y_k.
struct HermiteKnots {
  std::vector<double> x;  // knot radii, arcsec, increasing from >= 0

  /// weights[k] and their r-derivatives slopes[k] at r (both of size x.size()).
  void weights(double r, double* weights, double* slopes) const {
    const std::size_t K = x.size();
    for (std::size_t k = 0; k < K; ++k) weights[k] = slopes[k] = 0.0;
    if (!(r < x[K - 1])) {
      weights[K - 1] = 1.0;
      return;
    }
    std::size_t i = 0;
    while (i + 2 < K && r >= x[i + 1]) ++i;
    const double dx = x[i + 1] - x[i];
    const double t = (r - x[i]) / dx, t2 = t * t, t3 = t2 * t;
    const double h00 = 2 * t3 - 3 * t2 + 1, h10 = t3 - 2 * t2 + t, h01 = -2 * t3 + 3 * t2, h11 = t3 - t2;
    const double d00 = 6 * t2 - 6 * t, d10 = 3 * t2 - 4 * t + 1, d01 = -6 * t2 + 6 * t, d11 = 3 * t2 - 2 * t;
    weights[i] += h00;
    weights[i + 1] += h01;
    slopes[i] += d00 / dx;
    slopes[i + 1] += d01 / dx;
    // the tangents m_i, m_i+1 as combinations of the knot values
    for (int end = 0; end < 2; ++end) {
      const std::size_t j = i + static_cast<std::size_t>(end);
      const double h = end == 0 ? h10 : h11, d = end == 0 ? d10 : d11;
      add_tangent(j, h * dx, d, weights, slopes);
    }
  }

 private:
  // Add c x m_j to weights and e x m_j to slopes, m_j the tangent at knot j.
  void add_tangent(std::size_t j, double c, double e, double* weights, double* slopes) const {
    const std::size_t K = x.size();
    auto secant = [&](std::size_t s, double share) {  // share x (y_s+1 - y_s) / (x_s+1 - x_s)
      const double f = share / (x[s + 1] - x[s]);
      weights[s + 1] += c * f;
      weights[s] -= c * f;
      slopes[s + 1] += e * f;
      slopes[s] -= e * f;
    };
    if (j == 0) {
      secant(0, 1.0);
    } else if (j == K - 1) {
      secant(K - 2, 1.0);
    } else {
      secant(j - 1, 0.5);
      secant(j, 0.5);
    }
  }
};

/// A warp (AutoProf's): the isophotes of ``inner`` turned by PA(r) and flattened by q(r) at each
/// radius r = |w|, both Hermite curves through values at the knots. Parameters: the inner
/// shape's, then q(R) (one per knot, in (0, 1]), then PA(R) (rad, one per knot).
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

  void radius(double wa, double wb, double& R, double& dR_dwa, double& dR_dwb, double* dR_dshape) const {
    const std::size_t K = knots.x.size();
    const int ni = inner_params();
    const double r = std::hypot(wa, wb);
    if (!(r > 0.0)) {
      R = dR_dwa = dR_dwb = 0.0;
      for (int k = 0; k < num_params(); ++k) dR_dshape[k] = 0.0;
      return;
    }
    // the basis weights go to the q(R) slots first (then are scaled in place)
    double* weights = dR_dshape + ni;
    double* slopes = dR_dshape + ni + K;
    knots.weights(r, weights, slopes);
    double phi = 0.0, dphi = 0.0, qw = 0.0, dqw = 0.0;
    for (std::size_t k = 0; k < K; ++k) {
      phi += weights[k] * pa_values[k];
      dphi += slopes[k] * pa_values[k];
      qw += weights[k] * q_values[k];
      dqw += slopes[k] * q_values[k];
    }
    qw = std::max(qw, kSmallestWarpAxisRatio);  // an overshooting curve must not reach 0
    const double c = std::cos(phi), s = std::sin(phi);
    const double X = wa * c + wb * s, Y = -wa * s + wb * c;
    double Ra, Rb;
    std::visit([&](const auto& shape) { shape.radius(X, Y / qw, R, Ra, Rb, dR_dshape); }, inner);
    const double dR_dphi = Ra * Y - Rb * X / qw;
    const double dR_dqw = -Rb * Y / (qw * qw);
    const double through_r = (dR_dphi * dphi + dR_dqw * dqw) / r;
    dR_dwa = Ra * c - Rb * s / qw + through_r * wa;
    dR_dwb = Ra * s + Rb * c / qw + through_r * wb;
    for (std::size_t k = 0; k < K; ++k) {
      const double w = weights[k];
      dR_dshape[ni + k] = dR_dqw * w;
      dR_dshape[ni + K + k] = dR_dphi * w;
    }
  }

  static constexpr double kSmallestWarpAxisRatio = 0.01;
};

using AnyIsophote = std::variant<SuperellipseIsophote, FourierIsophote, WarpIsophote>;

}  // namespace polychrome
