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

#include <cmath>
#include <string>
#include <variant>
#include <vector>

namespace polychrome {

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

using AnyIsophote = std::variant<SuperellipseIsophote, FourierIsophote>;

}  // namespace polychrome
