// Runtime CPU dispatch: the table of hot kernels, one per instruction-set
// level compiled into this build, and the one choice of table made per process.
//
// Levels (x86-64): "baseline" (x86-64-v2: SSE4.2, POPCNT), "avx2" (x86-64-v3:
// AVX2, FMA, BMI2) and "avx512" (x86-64-v4: AVX-512 F/BW/CD/DQ/VL). A build
// with POLYCHROME_NATIVE=ON has the single level "native" (-march=native);
// other architectures and Apple/MSVC builds have "baseline" alone, with no
// x86 flags. The kernels: the renderer (per-pixel and per-cell loops, with
// fast_math.hpp inlined), the FFT butterflies and lane transposes, the PSF
// convolution's column stage and the normal-equation accumulation. Each is one source
// compiled once per level; the levels differ by compiler flags only.
//
// The choice is made on first use (the Python module asks at import): the
// best level this CPU supports, or the one POLYCHROME_CPU names
// (baseline|avx2|avx512|native); an unknown name, a level this build lacks or
// one the CPU lacks throws std::runtime_error naming the variable and the
// allowed values. It is a function-local static const: no other state.
//
// Why the levels' copies never mix (the one-definition rule in practice):
// - Everything the kernel sources define, and the kernel headers' templates
//   and inline functions, is in polychrome::cpu_<level> (kernel_namespace.hpp).
// - What a kernel shares with the rest of the core by name are the profile
//   classes (their per-sample eval functions are always_inline: never
//   emitted out of line) and the standard library's templates (e.g.
//   std::vector<double>::resize). Those have vague linkage: each object file
//   that uses one out of line carries a copy, and the linker keeps the
//   first copy in link order (ELF linkers: GNU ld, gold, lld). The link order
//   is the core library (baseline flags) first, then the kernel libraries
//   from the lowest level to the highest (CMakeLists.txt), so the copy kept
//   of any such function comes from the lowest level that uses it: a
//   function called from level L code was compiled for L or below and runs
//   wherever L runs. tests/test_cpu_dispatch.py checks the linked module:
//   no function outside polychrome::cpu_avx2 / cpu_avx512 holds an AVX or
//   BMI instruction. (No link-time optimisation: it would merge the copies.)
// - The kernel sources define no objects with dynamic initialisation: nothing
//   of a level runs before the choice is made.
#pragma once

#include <cstddef>
#include <string>
#include <type_traits>
#include <vector>

#include "polychrome/ellipse.hpp"
#include "polychrome/fft.hpp"
#include "polychrome/pixel_grid.hpp"
#include "polychrome/render.hpp"
#include "polychrome/render_options.hpp"

namespace polychrome {

/// One block of up to RealFftKernels<T>::lanes adjacent columns of a stack of half spectra (rows of complex
/// bins, interleaved re, im; elements of type T), for the PSF convolution's column stage: each
/// column is transformed forward (its first in_rows bins read, the rest taken as 0), multiplied by
/// the kernel's spectrum and transformed backward, unnormalised; rows out_first, out_first + 1, ...
/// (mod the size) of the result then go to rows 0 .. out_rows - 1 of the same columns.
template <typename T>
struct ConvolutionColumns {
  T* spectra = nullptr;             ///< bin of row t, lane l at spectra[t * stride + 2 l] (+1: im)
  std::size_t stride = 0;           ///< elements between rows: each row has room for the block's
                                    ///< RealFftKernels<T>::lanes bins (read whole; written whole)
  int lanes = 0;                    ///< columns in the block, 1 .. RealFftKernels<T>::lanes
  std::size_t in_rows = 0;          ///< rows read
  const T* kernel_re = nullptr;     ///< the kernel's spectrum of these columns, lane-interleaved:
  const T* kernel_im = nullptr;     ///< element t of lane l at [t * W + l], size n W (W: RealFftKernels<T>::lanes)
  std::size_t out_first = 0;        ///< the transform's row written to row 0
  std::size_t out_rows = 0;         ///< rows written (may exceed the size: they wrap)
};

/// The real FFT's row blocks and the PSF convolution's column stage, their lanes, half spectra and
/// scratch of element type T: double, or float for the single-precision convolution (of Jacobian
/// planes, see PsfConvolver::convolve). The real rows are doubles either way: the float blocks
/// round them on the way in and widen them on the way out.
template <typename T>
struct RealFftKernels {
  /// Lanes of the blocks (at most kRegisterLanes<T>): a row block takes 2 lanes rows, a column
  /// block (ConvolutionColumns) lanes columns. 8 doubles; 16 floats with AVX-512, else 8.
  int lanes;
  /// RealFftPlan::forward_block and inverse_block (plan: the real plan's complex plan; input
  /// rows of `length` values, zero-padded; outputs (first + j) mod n, j < count, of each row).
  /// scratch: plan.scratch_size() doubles' room.
  void (*real_forward_block)(const ComplexFftPlan& plan, const double* in, std::size_t in_stride,
                             std::size_t rows, std::size_t length, const HalfSpectra<T>& out,
                             T* scratch);
  void (*real_inverse_block)(const ComplexFftPlan& plan, const HalfSpectra<const T>& in,
                             std::size_t rows, double* out, std::size_t out_stride,
                             std::size_t first, std::size_t count, double scale, T* scratch);

  /// The PSF convolution's column stage for one block of columns (see ConvolutionColumns);
  /// plan: the column transform's; scratch: plan.scratch_size() doubles' room.
  void (*convolve_columns)(const ComplexFftPlan& plan, const ConvolutionColumns<T>& columns,
                           T* scratch);
};

/// One level's kernels. Every pointer is set.
struct CpuKernels {
  const char* level;  ///< "baseline", "avx2", "avx512" or "native"

  /// render() after validation (see render.hpp).
  void (*render)(const PixelGrid& grid, const Ellipse& ellipse, const AnyProfile& profile,
                 const RenderOptions& options, double* image, double* jac);

  /// ComplexFftPlan::transform_split<1> and <kFftLanes>.
  bool (*fft_split_single)(const ComplexFftPlan& plan, double* re, double* im, double* work_re,
                           double* work_im);
  bool (*fft_split_lanes)(const ComplexFftPlan& plan, double* re, double* im, double* work_re,
                          double* work_im);
  /// ComplexFftPlan::transform_lanes and transform_single.
  void (*fft_lanes)(const ComplexFftPlan& plan, const FftLanesIn& in, const FftLanesOut& out,
                    FftDirection direction, double scale, double* scratch);
  void (*fft_single)(const ComplexFftPlan& plan, const double* in, double* out,
                     FftDirection direction, double scale, double* scratch);
  /// The real row blocks and the convolution's column stage in double and in single precision.
  RealFftKernels<double> real_fft;
  RealFftKernels<float> real_fft_float;
  /// Sum of |values| of rows rows of cols doubles (row r at in + r stride), in any order: the
  /// single-precision convolution's range check (ConvolutionPasses::suits_single_precision).
  double (*abs_sum)(const double* in, std::size_t rows, std::size_t cols, std::size_t stride);

  /// accumulate_normal_equations (see normal_equations.hpp).
  void (*normal_equations)(const double* residual, const double* weight, const double* jacobian,
                           std::size_t n, std::size_t p, double* chi2, double* gradient,
                           double* hessian, int threads);

  /// real_fft or real_fft_float by element type.
  template <typename T>
  const RealFftKernels<T>& real_fft_of() const noexcept {
    if constexpr (std::is_same_v<T, float>) {
      return real_fft_float;
    } else {
      return real_fft;
    }
  }
};

/// The level in use and why it was chosen.
struct CpuChoice {
  const CpuKernels* kernels;
  std::string reason;
};

/// The kernels of the level in use (chosen once per process, see above).
/// Throws std::runtime_error for a bad POLYCHROME_CPU.
const CpuKernels& cpu_kernels();

/// The level in use and the reason for it (same choice as cpu_kernels()).
const CpuChoice& cpu_choice();

/// Levels compiled into this build, lowest first.
std::vector<std::string> compiled_cpu_levels();

/// Whether this CPU (and its operating system) can run a level's kernels.
bool cpu_supports_level(const std::string& level);

/// The table of a compiled level whatever the choice (nullptr when this build
/// lacks it); only for tests that compare levels within one process. Call
/// its kernels only where cpu_supports_level(level).
const CpuKernels* compiled_kernels(const std::string& level);

// Each level's table, defined in cpp/src/kernels/kernel_table.cpp compiled for
// that level; only the compiled levels' tables exist.
namespace cpu_baseline {
const CpuKernels& kernel_table() noexcept;
}
namespace cpu_avx2 {
const CpuKernels& kernel_table() noexcept;
}
namespace cpu_avx512 {
const CpuKernels& kernel_table() noexcept;
}
namespace cpu_native {
const CpuKernels& kernel_table() noexcept;
}

}  // namespace polychrome
