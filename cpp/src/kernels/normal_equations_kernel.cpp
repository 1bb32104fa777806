// The normal-equation accumulation, compiled once per CPU level (see
// polychrome/cpu_kernels.hpp); normal_equations.cpp dispatches here.
//
// chi2, J W r and J W J^T are all entries of one Gram matrix: with A the (p + 1) x n matrix
// whose rows are the residual and then the Jacobian's p rows, G = (A W) A^T holds G[0][0] =
// r W r, G[k + 1][0] = J_k W r and G[k + 1][l + 1] = J_k W J_l. Its lower triangle is summed in
// tiles of kTileRows x kTileCols rows (gram_tile): each pixel's kTileRows + kTileCols loads feed
// kTileRows kTileCols multiply-adds, and each sum is kept in kLanes partial sums (lane v takes
// the pixels i = v mod kLanes), so that the additions are kTileRows kTileCols kLanes independent
// chains. Before, each sum was one dot product at a time whose single chain of dependent
// additions bound it (~2.5x the time for p = 7, 2400 pixels). The partial sums are added in a
// fixed order (lane v: pixels v mod 4, then (s0 + s2) + (s1 + s3), then the last few pixels one
// by one), the same whatever the threads; the sums differ from the old kernel's by rounding, and
// between CPU levels by FMA contraction (within rounding, as test_cpu_levels checks).
#include <algorithm>
#include <vector>

#if defined(__AVX__)
#include <immintrin.h>
#endif

#include "kernels.hpp"
#include "polychrome/normal_equations.hpp"
#include "polychrome/thread_pool.hpp"
#include "polychrome/threads.hpp"

namespace polychrome::POLYCHROME_KERNEL_NAMESPACE {

namespace {

constexpr std::size_t kTileRows = 4, kTileCols = 2;  // 8 sums x 4 lanes: 8 AVX registers
constexpr std::size_t kLanes = 4;

// out[a * Cols + b] += sum over i < len of left[a][i] * right[b][i], a < Rows, b < Cols: partial
// sum v of each takes the pixels i = v mod kLanes, then (s0 + s2) + (s1 + s3), then the last len mod
// kLanes pixels one by one.
template <std::size_t Rows, std::size_t Cols>
void gram_tile(const double* const* left_rows, const double* const* right_rows, std::size_t len,
               double* out) {
  static_assert(kLanes == 4, "one AVX register of partial sums per tile entry");
  const double* left[Rows];
  const double* right[Cols];
  for (std::size_t a = 0; a < Rows; ++a) left[a] = left_rows[a];
  for (std::size_t b = 0; b < Cols; ++b) right[b] = right_rows[b];
  double s[Rows][Cols][kLanes] = {};
  const std::size_t whole = len - len % kLanes;
#if defined(__AVX__)
  // The same sums as the loop below, spelled out in AVX registers: the compiler does not keep the
  // partial sums of the plain loop in registers.
  __m256d acc[Rows][Cols];
  for (std::size_t a = 0; a < Rows; ++a)
    for (std::size_t b = 0; b < Cols; ++b) acc[a][b] = _mm256_setzero_pd();
  for (std::size_t i = 0; i < whole; i += kLanes) {
    __m256d r[Cols];
    for (std::size_t b = 0; b < Cols; ++b) r[b] = _mm256_loadu_pd(right[b] + i);
    for (std::size_t a = 0; a < Rows; ++a) {
      const __m256d l = _mm256_loadu_pd(left[a] + i);
      for (std::size_t b = 0; b < Cols; ++b) {
#if defined(__FMA__)
        acc[a][b] = _mm256_fmadd_pd(l, r[b], acc[a][b]);
#else
        acc[a][b] = _mm256_add_pd(acc[a][b], _mm256_mul_pd(l, r[b]));
#endif
      }
    }
  }
  for (std::size_t a = 0; a < Rows; ++a)
    for (std::size_t b = 0; b < Cols; ++b) _mm256_storeu_pd(s[a][b], acc[a][b]);
#else
  for (std::size_t i = 0; i < whole; i += kLanes)
    for (std::size_t a = 0; a < Rows; ++a)
      for (std::size_t b = 0; b < Cols; ++b)
        for (std::size_t v = 0; v < kLanes; ++v) s[a][b][v] += left[a][i + v] * right[b][i + v];
#endif
  for (std::size_t a = 0; a < Rows; ++a)
    for (std::size_t b = 0; b < Cols; ++b) {
      double sum = (s[a][b][0] + s[a][b][2]) + (s[a][b][1] + s[a][b][3]);
      for (std::size_t i = whole; i < len; ++i) sum += left[a][i] * right[b][i];
      out[a * Cols + b] += sum;
    }
}

// gram_tile with the tile's shape at run time (rows <= kTileRows, cols <= kTileCols): the full
// tile, or one of the edge tiles of a matrix whose size is not a multiple of the tile's.
void gram_tile(std::size_t rows, std::size_t cols, const double* const* left, const double* const* right,
               std::size_t len, double* out) {
  static_assert(kTileRows == 4 && kTileCols == 2, "the cases below are written for 4 x 2 tiles");
  switch ((rows - 1) * kTileCols + (cols - 1)) {
    case 0: return gram_tile<1, 1>(left, right, len, out);
    case 1: return gram_tile<1, 2>(left, right, len, out);
    case 2: return gram_tile<2, 1>(left, right, len, out);
    case 3: return gram_tile<2, 2>(left, right, len, out);
    case 4: return gram_tile<3, 1>(left, right, len, out);
    case 5: return gram_tile<3, 2>(left, right, len, out);
    case 6: return gram_tile<4, 1>(left, right, len, out);
    default: return gram_tile<4, 2>(left, right, len, out);
  }
}

}  // namespace

void accumulate_normal_equations(const double* residual, const double* weight,
                                 const double* jacobian, std::size_t n, std::size_t p,
                                 double* chi2, double* gradient, double* hessian, int threads) {
  constexpr std::size_t kBlock = kNormalEquationsBlock;
  const std::size_t blocks = (n + kBlock - 1) / kBlock;
  constexpr std::size_t kMinBlocksPerThread = kMinNormalEquationsBlocksPerThread;
  const int nthreads = team_size(threads, blocks, kMinBlocksPerThread);
  // Partial sums per chunk of blocks, added in chunk order: the chunks
  // depend on n only, so the result is the same bit for bit whatever the
  // threads and whichever thread takes which chunk.
  constexpr std::size_t kMaxChunks = 64;
  const std::size_t chunks = std::min(kMaxChunks, std::max<std::size_t>(1, blocks / kMinBlocksPerThread));
  const std::size_t blocks_per_chunk = (blocks + chunks - 1) / chunks;
  const std::size_t m = p + 1;          // rows of A: the residual, then the Jacobian's
  const std::size_t stride = m * m;     // one chunk's partial Gram matrix (lower triangle used)
  std::vector<double> partial(chunks * stride, 0.0);
  std::vector<std::vector<double>> weighted(static_cast<std::size_t>(nthreads));  // per thread
  parallel_for(chunks, nthreads, [&](std::size_t chunk, int slot) {
    double* gram = partial.data() + chunk * stride;
    std::vector<double>& wa = weighted[static_cast<std::size_t>(slot)];  // the block's rows of A W
    wa.resize(m * kBlock);
    std::vector<const double*> left(m), right(m);
    double tile[kTileRows * kTileCols];
    const std::size_t last = std::min(blocks, (chunk + 1) * blocks_per_chunk);
    for (std::size_t b = chunk * blocks_per_chunk; b < last; ++b) {
      const std::size_t start = b * kBlock;
      const std::size_t len = std::min(kBlock, n - start);
      const double* w = weight + start;
      for (std::size_t k = 0; k < m; ++k) {
        const double* a = k == 0 ? residual + start : jacobian + (k - 1) * n + start;
        double* wk = wa.data() + k * kBlock;
        for (std::size_t i = 0; i < len; ++i) wk[i] = w[i] * a[i];
        left[k] = wk;
        right[k] = a;
      }
      // The lower triangle (l <= k) in tiles; a tile on the diagonal also sums a few (k, l > k)
      // pairs, which are left out.
      for (std::size_t k0 = 0; k0 < m; k0 += kTileRows) {
        const std::size_t rows = std::min(kTileRows, m - k0);
        for (std::size_t l0 = 0; l0 < k0 + rows; l0 += kTileCols) {
          const std::size_t cols = std::min(kTileCols, m - l0);
          std::fill(tile, tile + rows * cols, 0.0);
          gram_tile(rows, cols, left.data() + k0, right.data() + l0, len, tile);
          for (std::size_t a = 0; a < rows; ++a)
            for (std::size_t c = 0; c < cols && l0 + c <= k0 + a; ++c)
              gram[(k0 + a) * m + l0 + c] += tile[a * cols + c];
        }
      }
    }
  });
  for (std::size_t t = 0; t < chunks; ++t) {
    const double* gram = partial.data() + t * stride;
    *chi2 += gram[0];
    for (std::size_t k = 0; k < p; ++k) gradient[k] += gram[(k + 1) * m];
    for (std::size_t k = 0; k < p; ++k)
      for (std::size_t l = 0; l <= k; ++l) {
        const double h = gram[(k + 1) * m + l + 1];
        hessian[k * p + l] += h;
        if (l != k) hessian[l * p + k] += h;
      }
  }
}

}  // namespace polychrome::POLYCHROME_KERNEL_NAMESPACE
