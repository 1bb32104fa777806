// POLYCHROME_INLINE: force inlining of small per-sample functions, so that the
// pixel loops that call them can be vectorised as a whole.
#pragma once

#if defined(__GNUC__) || defined(__clang__)
#define POLYCHROME_INLINE inline __attribute__((always_inline))
#else
#define POLYCHROME_INLINE inline
#endif
