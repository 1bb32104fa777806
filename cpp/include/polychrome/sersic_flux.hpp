// A Sersic component's total flux relative to its surface brightness at Re: what the fitter's
// total-flux reparametrisation needs at every evaluation (python/polychrome/fit/total_flux_problem.py).
#pragma once

namespace polychrome {

/// The derivatives of g = log10(total flux) - Ie = log10(2 pi q Re^2 n e^b b^-2n Gamma(2n)) of a
/// Sersic of index n, Re arcsec (semi-major half-light radius) and axis ratio q: dg/dn, dg/dRe
/// (1/arcsec), dg/dq; with b = b_n, from which the caller forms g itself (the fitter keeps the
/// digits of its own product form: a fit on a flat valley follows them).
struct SersicFluxOffsetDerivatives {
  double b;
  double dg_dn;
  double dg_dre;
  double dg_dq;
};

/// The derivatives for n, Re, q > 0 (std::domain_error otherwise).
SersicFluxOffsetDerivatives sersic_flux_offset_derivatives(double n, double Re, double q);

}  // namespace polychrome
