#include "polychrome/render.hpp"

#include <cmath>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "polychrome/cpu_kernels.hpp"
#include "polychrome/profile.hpp"
#include "polychrome/render_ranges.hpp"

namespace polychrome {

namespace {

void validate(const PixelGrid& grid, const Ellipse& e, const RenderOptions& opt) {
  grid.validate();
  require_finite(e.x, "center[0]");
  require_finite(e.y, "center[1]");
  require_finite(e.pa, "PA");
  if (!(opt.tolerance > 0.0 && opt.tolerance < 1.0))
    throw std::invalid_argument("tolerance must be in (0, 1)");
  if (!(opt.faint_fraction >= 0.0)) throw std::invalid_argument("faint_fraction must be >= 0");
  if (!(opt.absolute_tolerance >= 0.0 && std::isfinite(opt.absolute_tolerance)))
    throw std::invalid_argument("absolute_tolerance (flux per pixel) must be finite and >= 0, got " +
                                std::to_string(opt.absolute_tolerance));
  if (opt.max_depth < 1 || opt.max_depth > 30)
    throw std::invalid_argument("max_depth must be between 1 and 30");
}

}  // namespace

int jacobian_size(const AnyProfile& profile) {
  return std::visit([](const auto& p) { return kGeometricParams + p.num_params(); }, profile);
}

bool last_parameter_scales_image(const AnyProfile& profile) {
  return std::visit([](const auto& p) { return std::decay_t<decltype(p)>::kLastScalesImage; }, profile);
}

void render(const PixelGrid& grid, const Ellipse& ellipse, const AnyProfile& profile,
            const RenderOptions& options, double* image, double* jac) {
  validate(grid, ellipse, options);
  check_render_ranges(grid, ellipse, profile);
  // The engine, compiled once per CPU level: kernels/render_kernel.cpp.
  cpu_kernels().render(grid, ellipse, profile, options, image, jac);
}

}  // namespace polychrome
