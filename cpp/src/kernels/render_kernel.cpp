// The adaptive renderer (render_engine.hpp) for every built-in profile,
// compiled once per CPU level; render.cpp validates and dispatches here.
#include <cstddef>
#include <variant>

#include "kernels.hpp"
#include "polychrome/render_engine.hpp"

namespace polychrome::POLYCHROME_KERNEL_NAMESPACE {

namespace {

// The alternatives of AnyProfile from index I on; std::get_if rather than
// std::visit, which would bring std::bad_variant_access's inline functions
// into this level's objects under their shared names (see cpu_kernels.hpp).
template <std::size_t I = 0>
void render_alternative(const PixelGrid& grid, const Ellipse& ellipse, const AnyProfile& profile,
                        const RenderOptions& options, double* image, double* jac) {
  if constexpr (I < std::variant_size_v<AnyProfile>) {
    if (const auto* p = std::get_if<I>(&profile)) {
      render_profile(grid, ellipse, *p, options, image, jac);
      return;
    }
    render_alternative<I + 1>(grid, ellipse, profile, options, image, jac);
  }
}

}  // namespace

void render_any(const PixelGrid& grid, const Ellipse& ellipse, const AnyProfile& profile,
                const RenderOptions& options, double* image, double* jac) {
  render_alternative(grid, ellipse, profile, options, image, jac);
}

}  // namespace polychrome::POLYCHROME_KERNEL_NAMESPACE
