// Build a profile from its name and parameter values (the registry of the core).
#pragma once

#include <string>
#include <vector>

#include "polychrome/render.hpp"

namespace polychrome {

/// Names: "sersic" (n, Re, Ie), "exponential" (Re, Ie), "gaussian" (sigma, I0),
/// "moffat" (n, Rd, I0), "spline" (one log10 brightness per knot radius),
/// "nuker" (Rb, alpha, beta, gamma, Ib), "ferrer" (rout, alpha, beta, I0), "king" (Rc, Rt, alpha, I0).
/// knot_radii is used by "spline" only. Throws std::invalid_argument for an
/// unknown name, a wrong number of parameters or invalid values.
AnyProfile make_profile(const std::string& name, const std::vector<double>& params,
                        const std::vector<double>& knot_radii);

/// Parameter names of a profile, in Jacobian order (after x, y, q, PA).
std::vector<std::string> profile_parameter_names(const std::string& name, int num_knots);

/// The radial profile names make_profile accepts; each also as "<name>/<isophote>" (see
/// isophote_names(); "fourier:1,3,4" names the Fourier modes), its parameters the radial
/// profile's, then the shape's.
std::vector<std::string> profile_names();

/// The profiles make_profile accepts that are not functions of the elliptical radius (no
/// isophote shape applies; q is not used): "edgeon" (hs, rs, I0; profiles/edgeon.hpp).
std::vector<std::string> nonradial_profile_names();

/// The truncations: "truncated <radial>" (outer) and "inner truncated <radial>" (profiles/truncated.hpp),
/// their parameters the radial profile's, then Rt (arcsec) and St (1/arcsec); each also on other
/// isophotes ("truncated sersic/superellipse"). Rays and wedges take none.
std::vector<std::string> truncation_names();

/// The isophote shapes other than the ellipse.
std::vector<std::string> isophote_names();

/// The angular segmentations: "<radial>/ray[:N]" and "<radial>/wedge[:N]" (N in [1, 32], default 2;
/// see sector_profile.hpp), their parameters each segment's radial parameters, segment by segment.
std::vector<std::string> sector_names();

}  // namespace polychrome
