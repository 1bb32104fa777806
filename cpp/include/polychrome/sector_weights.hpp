// The angular weights of the ray and wedge galaxy models (AutoProf's): how much of each segment's
// radial profile lies at the angle theta = atan2(wb, wa) of the circularised coordinates w (theta
// measured from the major axis). Both are symmetric about the centre: segment k lies along the
// directions k pi / N and k pi / N + pi (N segments).
//
//  * ray:   between neighbouring rays k and k+1 (mod N), at the fraction f in [0, 1) of the way,
//           ray k weighs (1 + cos(pi f)) / 2 and ray k+1 the rest: a partition of unity, C1 in theta
//           (its second derivative jumps at the rays' own directions);
//  * wedge: the sector within pi / (2N) of k pi / N (mod pi) is ray k's alone, weight 1: the
//           brightness jumps on the N lines through the centre at (k + 1/2) pi / N.
//
// Header-only and always inlined (used by the kernels of every CPU level, see cpu_kernels.hpp).
#pragma once

#include <cmath>

#include "polychrome/inline.hpp"

namespace polychrome {

enum class SectorKind { kRay, kWedge };

struct SectorLayout {
  SectorKind kind = SectorKind::kRay;
  int count = 2;  ///< N, the number of rays or wedges, in [1, kMaxCount]

  static constexpr int kMaxCount = 32;
  static constexpr double kPi = 3.14159265358979323846;

  /// The angle (rad, in [0, pi)) of the k-th line through the centre (k < count) on which the
  /// brightness is not smooth: a wedge's sector edge, or a ray's direction (where its neighbours'
  /// weights end).
  POLYCHROME_INLINE double line_angle(int k) const {
    return (k + (kind == SectorKind::kWedge ? 0.5 : 0.0)) * kPi / count;
  }

  /// The segments with weight at angle theta (rad, any value): fills segment[] and weight[] (room
  /// for two) and returns how many (1 or 2).
  POLYCHROME_INLINE int weights(double theta, int* segment, double* weight) const {
    double t = std::fmod(theta, kPi);  // the direction modulo pi, in [0, pi)
    if (t < 0.0) t += kPi;
    double x = t * count / kPi;  // in segment spacings from ray 0
    if (kind == SectorKind::kWedge || count == 1) {
      int k = static_cast<int>(std::floor(x + (kind == SectorKind::kWedge ? 0.5 : 0.0)));
      k = ((k % count) + count) % count;
      segment[0] = k;
      weight[0] = 1.0;
      return 1;
    }
    int k = static_cast<int>(std::floor(x));
    if (k >= count) k = count - 1;
    if (k < 0) k = 0;
    const double c = std::cos(kPi * (x - k));
    segment[0] = k;
    weight[0] = 0.5 * (1.0 + c);
    segment[1] = (k + 1) % count;
    weight[1] = 0.5 * (1.0 - c);
    return 2;
  }
};

}  // namespace polychrome
