// The contract between a radial profile and the render engine.
//
// A profile describes the surface brightness I(r) > 0 through its natural log
// L(r) = ln I(r), r being the elliptical radius in arcsec. Working in ln I
// keeps every profile's formulas short (products become sums) and lets the
// engine form I, dI/dr, d2I/dr2 and all parameter derivatives from a handful
// of numbers. A profile type provides:
//
//   int num_params() const;              // free profile parameters
//   double log_peak() const;             // max over r of L(r), for the
//                                        // engine's faint-pixel floor
//   void eval(const Radius&, LogDerivatives&) const;
//       // L and its first four radial derivatives (the 3rd and 4th feed the
//       // quadrature's error estimate)
//   void eval_with_params(const Radius&, LogDerivatives&,
//                         double* dL, double* dL1, double* dL2) const;
//       // the same, and for each parameter k: dL/dp_k, d(dL/dr)/dp_k,
//       // d(d2L/dr2)/dp_k
//   static constexpr bool kHasEnclosedLight;
//   void enclosed(double R, double* F, double* dF) const;   // if it has
//       // F(R) = int_0^R I(r) r dr and dF/dp_k: lets the engine integrate
//       // the pixel holding the centre exactly, in polar form; it may take a
//       // fourth argument double* I (nullable) for I(R) from the same special
//       // functions, which the polar rule's Jacobian then uses (Sersic)
//
// Both eval functions must be branch-free enough to vectorise and must stay
// finite for r > 0; at r = 0 (rho = 0) only L and its parameter derivatives
// are used by the engine.
#pragma once

#include <type_traits>

namespace polychrome {

/// Elliptical radius in several forms, computed once per sample point.
struct Radius {
  double r2;     ///< r^2, arcsec^2
  double r;      ///< r, arcsec
  double rho;    ///< 1 / r (0 where r == 0), 1/arcsec
  double log_r;  ///< ln r (about -354 where r == 0)
};

/// ln I and its first three radial derivatives at one radius.
struct LogDerivatives {
  double L;   ///< ln I
  double L1;  ///< dL/dr, 1/arcsec
  double L2;  ///< d2L/dr2, 1/arcsec^2
  double L3;  ///< d3L/dr3, 1/arcsec^3
  double L4;  ///< d4L/dr4, 1/arcsec^4
};

/// Whether a profile's enclosed light integrates the cell holding its centre, reaching `reach`
/// arcsec (elliptical radius) from it, to the engine's accuracy: always, but for a truncation sharp
/// on that scale (profiles/truncated.hpp overloads this); where not, the cell is subdivided.
template <class Profile>
inline bool enclosed_light_applies(const Profile&, double /*reach*/) {
  return true;
}

/// Whether a profile has singularities off the centre (in the complex plane of r: a truncation's
/// poles), reported by `double singular_distance2(double r) const`, the squared distance (arcsec^2)
/// from r to the nearest; the cell quadrature's Taylor estimate holds only for cells small against it.
template <class Profile, class = void>
struct HasSingularities : std::false_type {};

template <class Profile>
struct HasSingularities<Profile, std::void_t<decltype(&Profile::singular_distance2)>> : std::true_type {};

/// Whether a profile has compact support (an edge beyond which I = 0 exactly: Ferrer, King), reported
/// by `double log_max_within(double r, double reach) const`, ln of an upper bound of I(r') over
/// |r' - r| <= reach (arcsec). The engine's bound on a cell's light otherwise extrapolates from the
/// cell's midpoint, which misses the light of a cell whose midpoint lies just beyond the edge.
/// Such a profile reports its edge as a singularity too (singular_distance2), so that cells
/// straddling it are split, never accepted on their midpoint's Taylor estimate. It says so by
/// `static constexpr bool kHasEdge = true` (a wrapper such as the truncation forwards its profile's:
/// it defines log_max_within for every profile it wraps, but only some have an edge).
template <class Profile, class = void>
struct HasEdge : std::false_type {};

template <class Profile>
struct HasEdge<Profile, std::void_t<decltype(Profile::kHasEdge)>> : std::bool_constant<Profile::kHasEdge> {};

/// ln I standing for I = 0 beyond a compact profile's edge: exp() of it is 0 (fast_exp flushes
/// below -707), and every radial derivative there is 0.
constexpr double kLogZeroBrightness = -1000.0;

/// Number of geometric parameters ahead of the profile's in the Jacobian (x, y, q, PA).
constexpr int kGeometricParams = 4;

/// ln(10): brightness parameters are log10 of a surface brightness.
constexpr double kLn10 = 2.302585092994045684;

}  // namespace polychrome

#include <cmath>
#include <stdexcept>
#include <string>

namespace polychrome {

/// Parameter checks shared by the profiles' constructors; the messages name
/// the parameter so that Python users see which value was wrong.
inline void require_finite(double value, const char* name) {
  if (!std::isfinite(value))
    throw std::invalid_argument(std::string(name) + " must be finite, got " + std::to_string(value));
}

inline void require_positive(double value, const char* name) {
  if (!(value > 0.0) || !std::isfinite(value))
    throw std::invalid_argument(std::string(name) + " must be positive and finite, got " +
                                std::to_string(value));
}

inline void require_in_range(double value, double lo, double hi, const char* name) {
  if (!(value >= lo && value <= hi))
    throw std::invalid_argument(std::string(name) + " must be in [" + std::to_string(lo) + ", " +
                                std::to_string(hi) + "], got " + std::to_string(value));
}

}  // namespace polychrome
