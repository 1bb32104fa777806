// A PSF-convolved candidate's fit to a cutout (initialize()'s profile search, python/polychrome/
// models/convolved_profile_fit.py): the weighted sums from which its least-squares amplitude and
// chi^2 follow, summed as numpy sums them (numpy_sum), so that the search picks what it picked.
#pragma once

#include <cstddef>

namespace polychrome::initialization {

struct CandidateSums {
  double model_squares = 0.0;  // sum of weight x model^2 (each term (weight x model) x model)
  double cross = 0.0;          // sum of weighted_data x model
};

// The sums over ``count`` pixels of ``weight``, ``weighted_data`` (weight x data) and ``model``.
CandidateSums candidate_sums(const double* weight, const double* weighted_data, const double* model,
                             std::size_t count);

}  // namespace polychrome::initialization
