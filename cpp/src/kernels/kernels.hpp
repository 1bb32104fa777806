// The kernels of one CPU level (internal header of cpp/src/kernels/): each
// source here is compiled once per level, with POLYCHROME_KERNEL_LEVEL naming
// it, and kernel_table.cpp gathers this level's functions into its table. The
// signatures are those of the table's entries (polychrome/cpu_kernels.hpp).
#pragma once

#include <cstddef>
#include <type_traits>

#include "polychrome/cpu_kernels.hpp"
#include "polychrome/kernel_namespace.hpp"

namespace polychrome::POLYCHROME_KERNEL_NAMESPACE {

void render_any(const PixelGrid& grid, const Ellipse& ellipse, const AnyProfile& profile,
                const RenderOptions& options, double* image, double* jac);
/// The shaped profiles' renderer (shaped_render.cpp); the radial ones' is render_engine.hpp's template.
void render_profile(const PixelGrid& grid, const Ellipse& ellipse, const ShapedProfile& profile,
                    const RenderOptions& options, double* image, double* jac);
/// The ray and wedge profiles' renderer (sector_render.cpp).
void render_profile(const PixelGrid& grid, const Ellipse& ellipse, const SectorProfile& profile,
                    const RenderOptions& options, double* image, double* jac);

/// The plain elliptical Gaussian's near-exact renderer (gaussian_render.cpp): preferred by overload
/// resolution to render_engine.hpp's template for GaussianProfile (its truncation stays with the engine).
void render_profile(const PixelGrid& grid, const Ellipse& ellipse, const GaussianProfile& profile,
                    const RenderOptions& options, double* image, double* jac);

/// The edge-on disk's renderer (edgeon_render.cpp): not a function of the elliptical radius.
void render_profile(const PixelGrid& grid, const Ellipse& ellipse, const EdgeOnDiskProfile& disk,
                    const RenderOptions& options, double* image, double* jac);

// The FFT's kernels are templates on the element type T (double; float for the single-precision
// convolution), instantiated for both in their sources.
//
// Lanes of this level's row and column blocks of element type T (RealFftKernels::lanes): 8 doubles;
// 16 floats where the level has AVX-512 (one register, as 8 doubles are: at 8 lanes a float block
// cost a double block's vector instructions), else 8 (one AVX2 register).
#if defined(__AVX512F__)
inline constexpr int kFloatLanes = 2 * kFftLanes;
#else
inline constexpr int kFloatLanes = kFftLanes;
#endif
template <typename T>
inline constexpr int kLanesOf = std::is_same_v<T, float> ? kFloatLanes : kFftLanes;
static_assert(kFloatLanes <= kRegisterLanes<float>, "the split buffers have room for kRegisterLanes");

template <typename T>
bool fft_split_single(const ComplexFftPlan& plan, T* re, T* im, T* work_re, T* work_im);
/// W lanes: kLanesOf<T> (those are instantiated).
template <typename T, int W = kLanesOf<T>>
bool fft_split_lanes(const ComplexFftPlan& plan, T* re, T* im, T* work_re, T* work_im);
/// fft_split_lanes for sequences that are 0 from element `length` on (those elements of re, im
/// are not read); the same values but for the sign of a zero.
template <typename T, int W = kLanesOf<T>>
bool fft_split_lanes_lit(const ComplexFftPlan& plan, std::size_t length, T* re, T* im, T* work_re,
                         T* work_im);
void fft_lanes(const ComplexFftPlan& plan, const FftLanesIn& in, const FftLanesOut& out,
               FftDirection direction, double scale, double* scratch);
void fft_single(const ComplexFftPlan& plan, const double* in, double* out, FftDirection direction,
                double scale, double* scratch);
template <typename T>
void real_forward_block(const ComplexFftPlan& plan, const double* in, std::size_t in_stride,
                        std::size_t rows, std::size_t length, const HalfSpectra<T>& out,
                        T* scratch);
template <typename T>
void real_inverse_block(const ComplexFftPlan& plan, const HalfSpectra<const T>& in,
                        std::size_t rows, double* out, std::size_t out_stride, std::size_t first,
                        std::size_t count, double scale, T* scratch);

template <typename T>
void convolve_columns(const ComplexFftPlan& plan, const ConvolutionColumns<T>& columns, T* scratch);

double abs_sum(const double* in, std::size_t rows, std::size_t cols, std::size_t stride);

void accumulate_normal_equations(const double* residual, const double* weight,
                                 const double* jacobian, std::size_t n, std::size_t p,
                                 double* chi2, double* gradient, double* hessian, int threads);

}  // namespace polychrome::POLYCHROME_KERNEL_NAMESPACE
