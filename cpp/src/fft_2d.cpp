// 2D real FFT (numpy.fft.rfft2 / irfft2 layout), batched over arrays.
//
// Forward: real FFT of every row (blocks of 2 kFftLanes rows), then complex
// FFT of every column of the half spectrum (blocks of kFftLanes adjacent
// columns, so each gathered row segment is kFftLanes * 16 contiguous bytes).
// Inverse: the same in reverse order.
//
// Why the inverse needs no ny x (nx/2+1) temporary: after the column stage,
// row r holds nx/2+1 complex bins = nx+2 doubles (nx+1 for odd nx), its output
// row only nx doubles. Bins k < nx/2 (at most nx doubles) are stored in the
// output row itself and the one remaining bin of each row in a side column of
// ny complex numbers. Each row block then reads its own bins completely
// before it overwrites the same rows with real output, so the transform works
// in place in the output array with one small extra buffer.
#include <algorithm>
#include <cstddef>

#include "fft_threads.hpp"
#include "polychrome/fft.hpp"

namespace polychrome {

using fft_detail::for_each_task;
using fft_detail::thread_count;

RealFft2dPlan::RealFft2dPlan(std::size_t ny, std::size_t nx) : rows_(nx), columns_(ny) {}

void RealFft2dPlan::forward(const double* in, std::complex<double>* out, std::size_t count,
                            int threads) const {
  if (count == 0) return;
  const std::size_t ny = this->ny(), nx = this->nx(), nc = spectrum_nx();
  const std::size_t in_size = ny * nx;
  const std::size_t out_size = 2 * ny * nc;  // doubles
  double* dst = reinterpret_cast<double*>(out);
  const int nthreads = thread_count(threads, count * ny * nx);
  const std::size_t per_thread = std::max(rows_.scratch_size(), columns_.scratch_size());
  FftScratch scratch(per_thread * static_cast<std::size_t>(nthreads));

  constexpr std::size_t R = RealFftPlan::block_rows;
  const std::size_t row_blocks = (ny + R - 1) / R;
  for_each_task(count * row_blocks, nthreads, scratch.data(), per_thread,
                [&](std::size_t task, double* work) {
                  const std::size_t a = task / row_blocks;
                  const std::size_t r0 = (task % row_blocks) * R;
                  double* spec = dst + a * out_size + r0 * 2 * nc;
                  rows_.forward_block(in + a * in_size + r0 * nx, nx, std::min(R, ny - r0),
                                      HalfSpectra<double>{spec, 2 * nc, nullptr, 0, nc}, work);
                });
  if (ny == 1) return;
  constexpr std::size_t C = kFftLanes;
  const std::size_t col_blocks = (nc + C - 1) / C;
  for_each_task(count * col_blocks, nthreads, scratch.data(), per_thread,
                [&](std::size_t task, double* work) {
                  const std::size_t a = task / col_blocks;
                  const std::size_t c0 = (task % col_blocks) * C;
                  const int lanes = static_cast<int>(std::min(C, nc - c0));
                  FftLanesIn lin;
                  FftLanesOut lout;
                  lin.count = lout.count = lanes;
                  for (int l = 0; l < lanes; ++l) {
                    double* col = dst + a * out_size + 2 * (c0 + l);
                    lin.base[l] = col;
                    lout.base[l] = col;
                    lin.stride[l] = lout.stride[l] = 2 * nc;
                  }
                  columns_.transform_lanes(lin, lout, FftDirection::forward, 1.0, work);
                });
}

void RealFft2dPlan::inverse(const std::complex<double>* in, double* out, std::size_t count,
                            int threads) const {
  if (count == 0) return;
  const std::size_t ny = this->ny(), nx = this->nx(), nc = spectrum_nx();
  const std::size_t h = nx / 2;  // bins stored in the output row; bin h goes to the side
  const std::size_t in_size = 2 * ny * nc;  // doubles
  const std::size_t out_size = ny * nx;
  const double* src = reinterpret_cast<const double*>(in);
  const int nthreads = thread_count(threads, count * ny * nx);
  const std::size_t per_thread = std::max(rows_.scratch_size(), columns_.scratch_size());
  // One work buffer: per-thread kernel scratch, then the side columns (2 ny
  // doubles per array, rounded up to keep nothing misaligned).
  const std::size_t scratch_doubles = per_thread * static_cast<std::size_t>(nthreads);
  FftScratch scratch(scratch_doubles + 2 * ny * count);
  double* side = scratch.data() + scratch_doubles;

  constexpr std::size_t C = kFftLanes;
  const std::size_t col_blocks = (nc + C - 1) / C;
  for_each_task(count * col_blocks, nthreads, scratch.data(), per_thread,
                [&](std::size_t task, double* work) {
                  const std::size_t a = task / col_blocks;
                  const std::size_t c0 = (task % col_blocks) * C;
                  const int lanes = static_cast<int>(std::min(C, nc - c0));
                  FftLanesIn lin;
                  FftLanesOut lout;
                  lin.count = lout.count = lanes;
                  for (int l = 0; l < lanes; ++l) {
                    const std::size_t c = c0 + l;
                    lin.base[l] = src + a * in_size + 2 * c;
                    lin.stride[l] = 2 * nc;
                    if (c < h) {
                      lout.base[l] = out + a * out_size + 2 * c;
                      lout.stride[l] = nx;
                    } else {
                      lout.base[l] = side + a * 2 * ny;
                      lout.stride[l] = 2;
                    }
                  }
                  columns_.transform_lanes(lin, lout, FftDirection::backward, 1.0, work);
                });

  constexpr std::size_t R = RealFftPlan::block_rows;
  const std::size_t row_blocks = (ny + R - 1) / R;
  const double scale = 1.0 / (static_cast<double>(nx) * static_cast<double>(ny));
  for_each_task(count * row_blocks, nthreads, scratch.data(), per_thread,
                [&](std::size_t task, double* work) {
                  const std::size_t a = task / row_blocks;
                  const std::size_t r0 = (task % row_blocks) * R;
                  double* rows_out = out + a * out_size + r0 * nx;
                  const HalfSpectra<const double> spec{rows_out, nx, side + a * 2 * ny + 2 * r0,
                                                       2, h};
                  rows_.inverse_block(spec, std::min(R, ny - r0), rows_out, nx, scale, work);
                });
}

}  // namespace polychrome
