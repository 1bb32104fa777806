// Neighbours' light out of a source's annuli (initialize()'s radial profile): in each annulus of
// pixels taken in elliptical-radius order, the values above the annulus' median + clip x 1.4826 x
// its median absolute deviation are replaced by the median (python/polychrome/models/
// annuli_in_radius_order.py). Medians as numpy's: the mean of the middle one or two sorted values.
#pragma once

#include <cstddef>
#include <cstdint>

namespace polychrome::initialization {

// Annuli of fewer pixels are left unclipped.
constexpr std::size_t kMinClippedCount = 5;

// ``flux`` (``count`` values in radius order) clipped in place, annulus k being positions
// starts[k]:starts[k+1] (``annuli`` + 1 increasing starts within 0..count); values outside every
// annulus are left alone. NaNs sort last (as numpy's sort) and are never replaced.
void clip_annuli(double* flux, std::size_t count, const std::int64_t* starts, std::size_t annuli, double clip);

}  // namespace polychrome::initialization
