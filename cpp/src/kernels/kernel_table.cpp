// This level's table of kernels (see polychrome/cpu_kernels.hpp). Constant
// initialisation only: nothing here runs before the level is chosen.
#include "kernels.hpp"

namespace polychrome::POLYCHROME_KERNEL_NAMESPACE {

const CpuKernels& kernel_table() noexcept {
  static constexpr CpuKernels table{POLYCHROME_KERNEL_LEVEL_NAME,
                                    &render_any,
                                    &fft_split_single<double>,
                                    &fft_split_lanes<double>,
                                    &fft_lanes,
                                    &fft_single,
                                    {kLanesOf<double>, &real_forward_block<double>,
                                     &real_inverse_block<double>, &convolve_columns<double>},
                                    {kLanesOf<float>, &real_forward_block<float>,
                                     &real_inverse_block<float>, &convolve_columns<float>},
                                    &abs_sum,
                                    &accumulate_normal_equations};
  return table;
}

}  // namespace polychrome::POLYCHROME_KERNEL_NAMESPACE
