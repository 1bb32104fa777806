#include "polychrome/candidate_sums.hpp"

#include <vector>

#include "polychrome/numpy_sum.hpp"

namespace polychrome::initialization {

CandidateSums candidate_sums(const double* weight, const double* weighted_data, const double* model,
                             std::size_t count) {
  std::vector<double> terms(count);
  CandidateSums sums;
  for (std::size_t i = 0; i < count; ++i) terms[i] = weight[i] * model[i] * model[i];
  sums.model_squares = numpy_sum(terms.data(), count);
  for (std::size_t i = 0; i < count; ++i) terms[i] = weighted_data[i] * model[i];
  sums.cross = numpy_sum(terms.data(), count);
  return sums;
}

}  // namespace polychrome::initialization
