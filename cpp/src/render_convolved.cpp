#include "polychrome/render_convolved.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "polychrome/profile.hpp"
#include "polychrome/scratch_pool.hpp"

namespace polychrome {

namespace {

// Sum each k x k block of count arrays of (k ny) x (k nx) into out[a] (ny x nx).
void bin_blocks(const double* fine, std::size_t count, int ny, int nx, int k, double* const* out) {
  const std::size_t fnx = static_cast<std::size_t>(nx) * static_cast<std::size_t>(k);
  const std::size_t fsize = fnx * static_cast<std::size_t>(ny) * static_cast<std::size_t>(k);
  for (std::size_t a = 0; a < count; ++a) {
    for (int i = 0; i < ny; ++i) {
      double* row = out[a] + static_cast<std::size_t>(i) * static_cast<std::size_t>(nx);
      for (int j = 0; j < nx; ++j) row[j] = 0.0;
      for (int di = 0; di < k; ++di) {
        const double* frow = fine + a * fsize + (static_cast<std::size_t>(i) * k + di) * fnx;
        for (int j = 0; j < nx; ++j) {
          double sum = 0.0;
          for (int dj = 0; dj < k; ++dj) sum += frow[static_cast<std::size_t>(j) * k + dj];
          row[j] += sum;
        }
      }
    }
  }
}

// Whether values[0, n) are all 0 or -0 (NaN is not). On the bits with the sign shifted out, an
// OR over blocks of 16 that the compiler vectorises (a double compare does not), a branch per
// block: a lit row stops at its first lit block; dark rows, most of the padded ring, cost
// a fraction of an instruction per value.
bool all_zero(const double* values, int n) {
  const auto magnitude_bits = [](double v) {
    std::uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    return bits << 1;
  };
  int j = 0;
  for (; j + 16 <= n; j += 16) {
    std::uint64_t lit = 0;
    for (int d = 0; d < 16; ++d) lit |= magnitude_bits(values[j + d]);
    if (lit) return false;
  }
  std::uint64_t lit = 0;
  for (; j < n; ++j) lit |= magnitude_bits(values[j]);
  return lit == 0;
}

// The box of the padded arrays (count of them, ly x lx each) that holds all their nonzero values:
// a renderer that leaves far wings at 0 (dark_tail.hpp, a compact profile's edge) lets the
// convolution shrink its transforms to it. NaN counts as nonzero (it must reach the output).
// Once a row lies within the box's rows, only its values left and right of the box's columns
// can grow the box: the Jacobian planes, lit where the image is, are scanned mostly in the
// dark ring only.
PsfConvolver::Extent lit_extent(const double* arrays, std::size_t count, int ly, int lx) {
  PsfConvolver::Extent box{ly, 0, lx, 0};
  for (std::size_t a = 0; a < count; ++a) {
    for (int i = 0; i < ly; ++i) {
      const double* row = arrays + (a * static_cast<std::size_t>(ly) + static_cast<std::size_t>(i)) * lx;
      const bool within_rows = box.row_begin <= i && i < box.row_end;
      // Within the box's rows only [0, col_begin) and [col_end, lx) are searched.
      const int left = within_rows ? box.col_begin : lx;
      const int right = within_rows ? std::max(box.col_end, box.col_begin) : lx;
      if (all_zero(row, left) && all_zero(row + right, lx - right)) continue;
      int first = 0;
      while (row[first] == 0.0) ++first;
      int last = lx;
      while (row[last - 1] == 0.0) --last;
      box.row_begin = std::min(box.row_begin, i);
      box.row_end = std::max(box.row_end, i + 1);
      box.col_begin = std::min(box.col_begin, first);
      box.col_end = std::max(box.col_end, last);
    }
  }
  if (box.row_end <= box.row_begin) return PsfConvolver::Extent{0, 0, 0, 0};
  return box;
}

}  // namespace

void render_convolved(const PixelGrid& grid, const Ellipse& ellipse, const AnyProfile& profile,
                      const RenderOptions& options, const PsfConvolver& psf, int psf_upsample,
                      double* image, double* jac) {
  const int k = psf_upsample;
  if (k < 1) throw std::invalid_argument("psf_upsample must be >= 1, got " + std::to_string(k));
  if (grid.nx < 0 || grid.ny < 0) throw std::invalid_argument("image shape must be non-negative");
  const int py = psf.pad_y(), px = psf.pad_x();
  constexpr int kMax = std::numeric_limits<int>::max();
  if (grid.ny > (kMax - 2 * py) / k || grid.nx > (kMax - 2 * px) / k)
    throw std::invalid_argument("image shape x psf_upsample is too large");
  if (grid.nx == 0 || grid.ny == 0) {
    // Nothing to convolve; still reject what render() would reject.
    render(grid, ellipse, profile, options, image, jac);
    return;
  }

  // The fine window (k ny) x (k nx) at pixel scale P/k, grown by the PSF
  // half-sizes: its origin moves back by (px, py) fine pixels.
  const int wy = k * grid.ny, wx = k * grid.nx;
  PixelGrid padded = grid;
  padded.ny = wy + 2 * py;
  padded.nx = wx + 2 * px;
  for (auto& row : padded.P)
    for (double& v : row) v /= k;
  padded.origin_x = grid.origin_x - (padded.P[0][0] * px + padded.P[0][1] * py);
  padded.origin_y = grid.origin_y - (padded.P[1][0] * px + padded.P[1][1] * py);

  // Each output pixel sums k^2 fine pixels weighted by the PSF: the fine
  // budget that keeps the output's error within the absolute tolerance.
  RenderOptions fine_options = options;
  if (options.absolute_tolerance > 0.0) {
    double psf_abs_sum = 0.0;
    for (const double value : psf.psf().values()) psf_abs_sum += std::abs(value);
    fine_options.absolute_tolerance = options.absolute_tolerance / (psf_abs_sum * k * k);
  }

  const std::size_t count = jac ? 1 + static_cast<std::size_t>(jacobian_size(profile)) : 1;
  const std::size_t padded_size = static_cast<std::size_t>(padded.ny) * static_cast<std::size_t>(padded.nx);
  // The image and its Jacobian columns one after another: one batch for the
  // convolution. Uninitialised: the renderer writes every pixel.
  ScratchPool::Lease rendered = psf.scratch(count * padded_size);
  render(padded, ellipse, profile, fine_options, rendered.data(), jac ? rendered.data() + padded_size : nullptr);

  const std::size_t size = static_cast<std::size_t>(grid.ny) * static_cast<std::size_t>(grid.nx);
  std::vector<double*> out(count);
  out[0] = image;
  for (std::size_t a = 1; a < count; ++a) out[a] = jac + (a - 1) * size;
  // A last column that is ln 10 times the image (a log10 amplitude) is not convolved: the
  // convolution is linear, so it is ln 10 times the convolved image (the same to rounding).
  const bool scaled_last = jac && last_parameter_scales_image(profile);
  const std::size_t convolved = scaled_last ? count - 1 : count;
  const PsfConvolver::Extent lit = lit_extent(rendered.data(), convolved, padded.ny, padded.nx);
  // The image (array 0) in double; the Jacobian's planes as the options say.
  const std::size_t double_arrays = options.single_precision_jacobian ? 1 : PsfConvolver::kAllDouble;
  if (k == 1) {
    psf.convolve(rendered.data(), convolved, wy, wx, out.data(), options.threads, lit, double_arrays);
  } else {
    ScratchPool::Lease fine =
        psf.scratch(convolved * static_cast<std::size_t>(wy) * static_cast<std::size_t>(wx));
    psf.convolve(rendered.data(), convolved, wy, wx, fine.data(), options.threads, lit, double_arrays);
    bin_blocks(fine.data(), convolved, grid.ny, grid.nx, k, out.data());
  }
  if (scaled_last)
    for (std::size_t i = 0; i < size; ++i) out[count - 1][i] = kLn10 * image[i];
}

}  // namespace polychrome
