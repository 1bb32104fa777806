// The ray and wedge galaxy models' profile (AutoProf's "<profile> ray galaxy model" and "<profile>
// wedge galaxy model"): one radial profile per segment, all of one kind, blended by the angular
// weights of sector_weights.hpp on the elliptical radius:
//     I(w) = sum_k W_k(theta) I_k(|w|).
// Parameters, in Jacobian order: x, y, q, PA, then segment 0's radial parameters, segment 1's, ...
#pragma once

#include <variant>
#include <vector>

#include "polychrome/sector_weights.hpp"
#include "polychrome/shaped_profile.hpp"

namespace polychrome {

struct SectorProfile {
  static constexpr bool kLastScalesImage = false;  // each segment has its own amplitude
  static constexpr bool kHasEnclosedLight = false;

  SectorLayout layout;
  std::vector<UntruncatedProfile> segments;  // layout.count of them, all the same alternative (no truncation)

  int segment_params() const {
    return std::visit([](const auto& p) { return p.num_params(); }, segments.front());
  }
  int num_params() const { return layout.count * segment_params(); }
};

// Rendered by cpp/src/kernels/sector_render.cpp (compiled once per CPU level): every pixel by 2x2
// Gauss-Legendre cells split 2x2 until the children's sum agrees with the parent within the
// pixel's budget (the a-posteriori rule of the shaped profiles); a wedge's cell crossed by a sector
// edge is cut exactly along it, each piece integrated by a degree-4 triangle rule, so the jump is
// never inside a rule. The Jacobian of the segments' parameters is the same quadrature of their
// derivatives; that of x, y, q and PA is the transport of the pixel's boundary through w (an
// adaptive Gauss-Legendre integral along the pixel's edges, split where they cross a line of
// sector_weights.hpp), which holds across the wedge's jumps.

}  // namespace polychrome
