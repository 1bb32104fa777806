// Accuracy and threading settings of the renderer.
#pragma once

namespace polychrome {

struct RenderOptions {
  /// Target relative error of every pixel value (and of its Jacobian row).
  double tolerance = 1e-5;
  /// Pixels fainter than faint_fraction x (peak surface brightness x pixel
  /// area) are integrated to an absolute error of tolerance x that floor
  /// instead of a relative one: far wings cost nothing and stay accurate in
  /// absolute terms.
  double faint_fraction = 1e-9;
  /// Maximum levels of 2x2 subdivision of a pixel (cells down to 2^-depth px).
  int max_depth = 14;
  /// Threads, at most (fewer for work too small to pay for them, see
  /// team_size); below 1 means one. Python decides the count in
  /// polychrome.thread_policy and passes it here.
  int threads = 1;
};

}  // namespace polychrome
