// The PSF convolution's passes over one array (see psf_convolution_passes.hpp).
#include "psf_convolution_passes.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <type_traits>

#include "polychrome/cpu_kernels.hpp"
#include "polychrome/thread_pool.hpp"

namespace polychrome {

namespace {

// Lanes of the kernels' blocks of element type T at the CPU level in use: a row block takes twice
// as many rows, a column block as many columns (8 doubles; 16 floats with AVX-512).
template <typename T>
std::size_t lanes_of() {
  return static_cast<std::size_t>(cpu_kernels().real_fft_of<T>().lanes);
}

std::size_t blocks(std::size_t count, std::size_t per_block) { return (count + per_block - 1) / per_block; }

// The row blocks of `rows` rows for blocks of R rows: R each, but for 32-row (16-lane) blocks the
// last 1 or 2 rows past a multiple of 16 go in a block of their own, which the kernels run in
// their single lane, as they do at 16 rows a block: with every row meeting the same partner row
// at either width (see fft_real_kernels.cpp), a plane's values do not depend on the width.
struct RowBlocks {
  RowBlocks(std::size_t rows, std::size_t R) : rows(rows), R(R) {
    constexpr std::size_t kPair = 2 * static_cast<std::size_t>(kFftLanes);
    const std::size_t tail = rows % kPair;
    main = R > kPair && (tail == 1 || tail == 2) ? rows - tail : rows;
    count = blocks(main, R) + (main < rows ? 1 : 0);
  }
  std::size_t first(std::size_t b) const { return std::min(b * R, main); }
  std::size_t size(std::size_t b) const { return b * R < main ? std::min(R, main - b * R) : rows - main; }
  std::size_t rows, R, main = 0, count = 0;
};

// The column stage's layout of a spectrum of ny rows of nc bins (scaled by `scale`): per block of
// L columns, ny L real parts, then as many imaginary parts, lane-interleaved; columns past nc 0.
template <typename T>
std::vector<T> lane_blocks(const std::vector<std::complex<double>>& spectrum, std::size_t ny,
                           std::size_t nc, double scale) {
  const std::size_t L = lanes_of<T>();
  const std::size_t nblocks = blocks(nc, L);
  std::vector<T> out(nblocks * 2 * ny * L, T(0));
  for (std::size_t b = 0; b < nblocks; ++b) {
    T* kr = out.data() + b * 2 * ny * L;
    T* ki = kr + ny * L;
    for (std::size_t t = 0; t < ny; ++t)
      for (std::size_t l = 0; l < L && b * L + l < nc; ++l) {
        const std::complex<double> h = spectrum[t * nc + b * L + l];
        // The product in double, then rounded (float): as the double layout's values rounded.
        kr[t * L + l] = static_cast<T>(scale * h.real());
        ki[t * L + l] = static_cast<T>(scale * h.imag());
      }
  }
  return out;
}

}  // namespace

ConvolutionPasses::ConvolutionPasses(const PsfImage& psf, std::size_t ny, std::size_t nx)
    : rows_(nx), columns_(ny) {
  // The PSF with its centre pixel moved to index (0, 0) and the rest wrapped around: the
  // product of spectra then convolves without shifting the image.
  std::vector<double> wrapped(ny * nx, 0.0);
  const int hy = psf.half_height(), hx = psf.half_width();
  for (int i = 0; i < psf.ny(); ++i) {
    const std::size_t r = static_cast<std::size_t>((i - hy + static_cast<int>(ny)) % static_cast<int>(ny));
    for (int j = 0; j < psf.nx(); ++j) {
      const std::size_t c = static_cast<std::size_t>((j - hx + static_cast<int>(nx)) % static_cast<int>(nx));
      wrapped[r * nx + c] += psf.at(i, j);  // a transform narrower than the PSF folds it
    }
  }
  const RealFft2dPlan plan(ny, nx);
  const std::size_t nc = plan.spectrum_nx();
  std::vector<std::complex<double>> spectrum(ny * nc);
  plan.forward(wrapped.data(), spectrum.data());
  // The inverse transforms are left unnormalised: the 1 / (ny nx) is folded in here.
  const double scale = 1.0 / (static_cast<double>(ny) * static_cast<double>(nx));
  kernel_ = lane_blocks<double>(spectrum, ny, nc, scale);
  kernel_float_ = lane_blocks<float>(spectrum, ny, nc, scale);
}

template <typename T>
const T* ConvolutionPasses::kernel() const noexcept {
  if constexpr (std::is_same_v<T, float>) {
    return kernel_float_.data();
  } else {
    return kernel_.data();
  }
}

bool ConvolutionPasses::suits_single_precision(const ConvolutionBox& box, const double* in) noexcept {
  // The range: with S the sum of |values| and M the largest, M <= S <= N M for N <= 2^24 input
  // values. S <= 2^80 keeps every value and every sum a transform forms (at most N M, times the
  // PSF spectrum's 1 / (ny nx) <= 1 in the product) below 2^104, far from float's 2^128.
  // S >= 2^-50 keeps M >= 2^-74, so that what float resolves of the output (~2^-24 M) stays
  // normal (>= 2^-126) even times the product's 1 / (ny nx) >= 2^-24: nothing that matters
  // underflows. (An all-zero input is exact in float too.)
  constexpr double kSmallest = 0x1p-50, kLargest = 0x1p80;
  const double sum = cpu_kernels().abs_sum(in, box.in_rows, box.in_cols, box.in_stride);
  return sum == 0.0 || (sum >= kSmallest && sum <= kLargest);  // false for NaN and inf
}

std::size_t ConvolutionPasses::spectra_size(const ConvolutionBox& box) const noexcept {
  constexpr std::size_t kLanes = static_cast<std::size_t>(kFftLanes);
  // Rows of whole blocks of 8 doubles (the run's stride; 16-float blocks take no more bytes),
  // rounded up to whole cache lines: scratch placed after the spectra stays 64-byte aligned.
  const std::size_t doubles =
      std::max(box.in_rows, box.out_rows) * 2 * blocks(rows_.spectrum_size(), kLanes) * kLanes;
  return (doubles + 7) / 8 * 8;
}

std::size_t ConvolutionPasses::scratch_size() const noexcept {
  return std::max(rows_.scratch_size(), columns_.scratch_size());
}

template <typename T>
void ConvolutionPasses::run(const ConvolutionBox& box, const double* in, double* out, T* spectra,
                            T* scratch, int threads) const {
  const std::size_t nc = rows_.spectrum_size();
  const std::size_t L = lanes_of<T>(), R = 2 * L;  // columns and rows per block
  // Elements between the spectra's rows: room for whole column blocks, so that the column stage
  // reads and writes every block whole (the bins past nc are neither written by the row pass
  // nor read by the inverse one).
  const std::size_t stride = 2 * blocks(nc, L) * L;
  // Per thread, in elements of T (as many bytes for floats as scratch_size() doubles).
  const std::size_t per_thread = std::max(rows_.scratch_size<T>(), columns_.scratch_size<T>());
  auto work = [&](int slot) { return scratch + per_thread * static_cast<std::size_t>(slot); };

  // 1. The lit rows' half spectra.
  const RowBlocks lit(box.in_rows, R);
  parallel_for(lit.count, threads, [&](std::size_t b, int slot) {
    const std::size_t r0 = lit.first(b);
    rows_.forward_block(in + r0 * box.in_stride, box.in_stride, lit.size(b),
                        box.in_cols, HalfSpectra<T>{spectra + r0 * stride, stride, nullptr, 0, nc},
                        work(slot));
  });

  // 2. Columns: forward, product, inverse; the wanted rows back into the same buffer.
  parallel_for(blocks(nc, L), threads, [&](std::size_t b, int slot) {
    const T* kr = kernel<T>() + b * 2 * ny() * L;
    ConvolutionColumns<T> columns;
    columns.spectra = spectra + 2 * b * L;
    columns.stride = stride;
    columns.lanes = static_cast<int>(std::min(L, nc - b * L));
    columns.in_rows = box.in_rows;
    columns.kernel_re = kr;
    columns.kernel_im = kr + ny() * L;
    columns.out_first = box.out_row0;
    columns.out_rows = box.out_rows;
    cpu_kernels().real_fft_of<T>().convolve_columns(columns_, columns, work(slot));
  });

  // 3. The wanted rows back to real values, the wanted columns only.
  const RowBlocks wanted(box.out_rows, R);
  parallel_for(wanted.count, threads, [&](std::size_t b, int slot) {
    const std::size_t r0 = wanted.first(b);
    rows_.inverse_block(HalfSpectra<const T>{spectra + r0 * stride, stride, nullptr, 0, nc},
                        wanted.size(b), out + r0 * box.out_stride, box.out_stride,
                        box.out_col0, box.out_cols, 1.0, work(slot));
  });
}

template void ConvolutionPasses::run(const ConvolutionBox&, const double*, double*, double*, double*,
                                     int) const;
template void ConvolutionPasses::run(const ConvolutionBox&, const double*, double*, float*, float*,
                                     int) const;

}  // namespace polychrome
