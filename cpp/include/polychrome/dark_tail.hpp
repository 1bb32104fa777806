// The radius beyond which a profile's whole remaining light is below one pixel's error budget:
// the renderer leaves the pixels out there at 0 (value and Jacobian) instead of evaluating them.
//
// Where a model is rendered to a noise-set absolute tolerance (a survey's faint galaxy on a cutout
// grown by the PSF's half-size), most pixels lie in wings far below that tolerance, yet each costs a
// full evaluation with its Jacobian. Leaving out every pixel beyond R changes the image by at most
// the light outside R, summed over all those pixels together: when that is within one pixel's
// budget, the rendered image keeps its accuracy guarantee.
//
// The bound: a profile whose logarithmic slope k(r) = -d ln I / d ln r never decreases outwards
// ("steepening tail": Sersic, exponential, Gaussian, Moffat) satisfies I(r) <= I(R) (r/R)^-k(R)
// for r >= R, so that for k(R) > 2 the light outside the ellipse of semi-major axis R is
//   2 pi q int_R^inf I(r) r dr <= 2 pi q I(R) R^2 / (k(R) - 2).
// That bound falls monotonically with R once k > 2, so the smallest R meeting the budget is found
// by bisection in ln R.
#pragma once

#include <cmath>
#include <type_traits>

#include "polychrome/profile.hpp"

namespace polychrome {

/// Whether a profile declares `static constexpr bool kSteepeningTail = true`: its logarithmic slope
/// -d ln I / d ln r never decreases with r (see dark_tail.hpp).
template <class Profile, class = void>
struct HasSteepeningTail : std::false_type {};

template <class Profile>
struct HasSteepeningTail<Profile, std::void_t<decltype(Profile::kSteepeningTail)>>
    : std::bool_constant<Profile::kSteepeningTail> {};

namespace detail {

// Bisection steps in ln R: the bracket [1e-6 r_max, r_max] narrows to a factor 1.0004.
constexpr int kDarkTailBisections = 36;

// ln of the bound on the light outside R (flux), or +inf where the bound does not hold (k <= 2).
template <class Profile>
double log_light_outside(const Profile& profile, double q, double R) {
  const double log_R = std::log(R);
  const Radius rad{R * R, R, 1.0 / R, log_R};
  LogDerivatives d{};
  profile.eval(rad, d);
  const double k = -d.L1 * R;
  if (!(k > 2.0)) return INFINITY;
  return std::log(2.0 * M_PI * q / (k - 2.0)) + d.L + 2.0 * log_R;
}

}  // namespace detail

/// The smallest elliptical radius R (arcsec, semi-major) such that the profile's light outside the
/// ellipse of axis ratio q and semi-major axis R is at most `budget` (flux), searched up to r_max
/// (arcsec: the farthest the grid reaches from the centre); +inf where no R <= r_max is found, the
/// budget is not positive, or the profile does not declare a steepening tail.
template <class Profile>
double dark_tail_radius(const Profile& profile, double q, double budget, double r_max) {
  if constexpr (!HasSteepeningTail<Profile>::value) {
    return INFINITY;
  } else {
    if (!(budget > 0.0) || !(r_max > 0.0) || !std::isfinite(r_max)) return INFINITY;
    const double log_budget = std::log(budget);
    const auto dark = [&](double log_R) {
      return detail::log_light_outside(profile, q, std::exp(log_R)) <= log_budget;
    };
    double hi = std::log(r_max);
    if (!dark(hi)) return INFINITY;
    double lo = hi - std::log(1e6);
    if (dark(lo)) return std::exp(lo);
    for (int i = 0; i < detail::kDarkTailBisections; ++i) {
      const double mid = 0.5 * (lo + hi);
      (dark(mid) ? hi : lo) = mid;
    }
    return std::exp(hi);
  }
}

}  // namespace polychrome
