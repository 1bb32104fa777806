// Free-form profile: ln I(r) is a natural cubic spline in r through knots at
// fixed radii R_k (arcsec) with one free value per knot, log10 I(R_k)
// (flux/arcsec^2). Beyond the first and last knots ln I continues linearly
// with the spline's slope at that knot (the natural spline's end condition
// makes that twice differentiable). Outward it never rises: where the
// natural spline would rise at its last knot, the end condition there is a
// zero slope instead, and beyond it ln I falls as the parabola of the end's
// curvature (twice differentiable; flat where that curvature is >= 0). Inward
// (a first knot above 0) the line stops at r = 0, so it stays bounded.
#pragma once

#include <vector>

#include "polychrome/profile.hpp"

namespace polychrome {

class SplineProfile {
 public:
  /// radii: strictly increasing, at least 2, >= 0; log10_I: one per radius.
  SplineProfile(std::vector<double> radii, std::vector<double> log10_I);

  /// Upper bound on knots, so that the engine can keep per-sample buffers on the stack.
  static constexpr int kMaxParams = 64;
  /// No closed-form enclosed light: the centre pixel is integrated by
  /// subdivision (ln I is linear in r there, a mild cusp).
  static constexpr bool kHasEnclosedLight = false;
  // No parameter scales the whole image (each knot value shapes the profile).
  static constexpr bool kLastScalesImage = false;

  int num_params() const { return static_cast<int>(R_.size()); }
  /// No size parameter (the knot radii are fixed: 0), and the brightness parameter name.
  double size() const { return 0.0; }
  static constexpr const char* kSizeName = nullptr;
  static constexpr const char* kBrightnessName = "I(R)";
  double log_peak() const { return log_peak_; }

  void eval(const Radius& rad, LogDerivatives& o) const;
  void eval_with_params(const Radius& rad, LogDerivatives& o, double* dL,
                        double* dL1, double* dL2) const;

 private:
  struct Segment {
    int i;         // left knot of the interval used
    double A, B;   // cubic-spline weights (A + B = 1 inside)
    double h;      // interval width
    int side;      // -1 before the first knot, +1 after the last, 0 inside
    double dr;     // r - end knot for the linear extensions
  };
  Segment locate(double r) const;
  // Largest ln I inside the knot intervals (a cubic may overshoot its knots;
  // -inf when none does).
  double largest_overshoot() const;

  // Value and r-derivatives of the spline with knot values y and second
  // derivatives m (either the current spline or one cardinal basis function).
  void spline_at(const Segment& seg, const double* y, const double* m,
                 int stride_m, double* s0, double* s1, double* s2,
                 double* s3) const;

  std::vector<double> R_;      // knot radii
  std::vector<double> y_;      // knot values, ln I
  std::vector<double> M_;      // second derivatives of ln I at the knots
  std::vector<double> dM_dy_;  // K x K: dM_i / dy_k, row-major
  std::vector<double> unit_;   // K x K identity: row k holds the cardinal knot values e_k
  double log_peak_ = 0.0;
  bool flat_end_ = false;     // zero slope at the last knot instead of M = 0
  bool falling_end_ = false;  // flat end with negative curvature: parabola beyond
};

}  // namespace polychrome
