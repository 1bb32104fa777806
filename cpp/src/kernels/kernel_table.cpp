// This level's table of kernels (see polychrome/cpu_kernels.hpp). Constant
// initialisation only: nothing here runs before the level is chosen.
#include "kernels.hpp"

namespace polychrome::POLYCHROME_KERNEL_NAMESPACE {

const CpuKernels& kernel_table() noexcept {
  static constexpr CpuKernels table{POLYCHROME_KERNEL_LEVEL_NAME,
                                    &render_any,
                                    &fft_split_single,
                                    &fft_split_lanes,
                                    &fft_lanes,
                                    &fft_single,
                                    &real_forward_block,
                                    &real_inverse_block,
                                    &convolve_columns,
                                    &accumulate_normal_equations};
  return table;
}

}  // namespace polychrome::POLYCHROME_KERNEL_NAMESPACE
