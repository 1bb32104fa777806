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
  /// An absolute error every pixel may have (flux per pixel; 0: none). A
  /// pixel is accepted when its error is below the larger of this and
  /// tolerance x max(|value|, faint floor): for data whose noise dwarfs
  /// 1e-5 of the pixel values, a budget tied to the noise (e.g. a small
  /// fraction of the smallest pixel sigma) spares the deep refinement of
  /// faint pixels and of cusps that the data cannot tell apart.
  double absolute_tolerance = 0.0;
  /// Maximum levels of 2x2 subdivision of a pixel (cells down to 2^-depth px).
  int max_depth = 14;
  /// Threads, at most (fewer for work too small to pay for them, see
  /// team_size); below 1 means one. Python decides the count in
  /// polychrome.thread_policy and passes it here.
  int threads = 1;
  /// render_convolved only: whether the Jacobian's planes are convolved in single precision
  /// (float transforms, a third cheaper: each plane within ~1e-6 of its largest magnitude, plenty
  /// for a fit's steps and covariance; a plane whose values leave float's range goes in double).
  /// The image is convolved in double either way, unaffected. false (the default): the planes
  /// in double too, each the exact convolution of the rendered Jacobian to rounding.
  bool single_precision_jacobian = false;
};

}  // namespace polychrome
