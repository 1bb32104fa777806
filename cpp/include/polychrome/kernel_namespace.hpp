// The namespace of code compiled once per CPU level (the "kernels").
//
// The kernel sources (cpp/src/kernels/) are compiled several times, once per
// instruction-set level (baseline x86-64-v2, AVX2+FMA x86-64-v3, AVX-512
// x86-64-v4, or -march=native alone), each time with that level's -march
// flag and POLYCHROME_KERNEL_LEVEL set to its name. Everything those sources
// define, and every template or inline function of the kernel headers
// (render_engine.hpp, cell_quadrature.hpp, polar_quadrature.hpp,
// cpp/src/fft_lanes.hpp), lives in polychrome::cpu_<level>: each level's
// copy has its own mangled names, so the linker can never merge the AVX-512
// copy of an inline function or template instantiation with the baseline one
// (which would run AVX-512 instructions on a CPU without them). What the
// kernels share with the rest of the core (the profile classes, whose
// per-sample functions are always inlined, and the standard library's
// templates) is resolved as described in cpu_kernels.hpp.
#pragma once

// The level this translation unit is compiled for; code outside the kernel
// sources is compiled for the build's baseline.
#ifndef POLYCHROME_KERNEL_LEVEL
#define POLYCHROME_KERNEL_LEVEL baseline
#endif

#define POLYCHROME_KERNEL_CAT_(a, b) a##b
#define POLYCHROME_KERNEL_CAT(a, b) POLYCHROME_KERNEL_CAT_(a, b)
#define POLYCHROME_KERNEL_STR_(a) #a
#define POLYCHROME_KERNEL_STR(a) POLYCHROME_KERNEL_STR_(a)

/// polychrome::POLYCHROME_KERNEL_NAMESPACE holds this level's kernels.
#define POLYCHROME_KERNEL_NAMESPACE POLYCHROME_KERNEL_CAT(cpu_, POLYCHROME_KERNEL_LEVEL)
/// The level's name as a string literal ("baseline", "avx2", ...).
#define POLYCHROME_KERNEL_LEVEL_NAME POLYCHROME_KERNEL_STR(POLYCHROME_KERNEL_LEVEL)
