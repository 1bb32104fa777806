// C++ checks of the pixelated model's core (cpp/src/pixelated_render.cpp): on an image covering
// a rotated grid, each node's weights sum to the integral of its basis function (the product of
// the per-axis hat integrals, 1 inside, 1.125 / 0.875 at the ends, times the cell area); the
// geometry Jacobian matches central differences of the weights; threads give the same numbers;
// bad grids are refused. Exit status 0 on success; prints the first failures.
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <vector>

#include "checks.hpp"
#include "polychrome/pixelated_render.hpp"

namespace {

using test_checks::check;

double axis_integral(int node, int nodes) {
  double w = 1.0;
  if (node == 0 || node == nodes - 1) w += 0.125;
  if (node == 1 || node == nodes - 2) w -= 0.125;
  return w;
}

polychrome::PixelGrid image_grid() {
  polychrome::PixelGrid image;
  image.nx = 40;
  image.ny = 40;
  image.origin_x = -4.0;
  image.origin_y = -4.0;
  image.P[0][0] = 0.31;
  image.P[0][1] = -0.07;
  image.P[1][0] = 0.05;
  image.P[1][1] = 0.42;
  return image;
}

polychrome::PixelatedGrid node_grid() {
  polychrome::PixelatedGrid grid;
  grid.gx = 7;
  grid.gy = 5;
  grid.center_x = 2.9;
  grid.center_y = 3.6;
  grid.pa = 0.63;
  grid.scale = 0.55;
  return grid;
}

std::vector<double> pixels(const polychrome::PixelGrid& image, const polychrome::PixelatedGrid& grid,
                           const std::vector<double>& values) {
  const polychrome::PixelatedWeights w = polychrome::pixelated_weights(image, grid, 1);
  std::vector<double> out(static_cast<std::size_t>(image.nx) * image.ny, 0.0);
  for (std::size_t p = 0; p < out.size(); ++p)
    for (auto k = w.row_start[p]; k < w.row_start[p + 1]; ++k) out[p] += w.weight[k] * values[w.node[k]];
  return out;
}

}  // namespace

int main() {
  const polychrome::PixelGrid image = image_grid();
  const polychrome::PixelatedGrid grid = node_grid();
  const int nodes = grid.gx * grid.gy;

  const polychrome::PixelatedWeights w = polychrome::pixelated_weights(image, grid, 1);
  std::vector<double> total(static_cast<std::size_t>(nodes), 0.0);
  for (std::size_t k = 0; k < w.node.size(); ++k) total[w.node[k]] += w.weight[k];
  double worst = 0.0;
  for (int r = 0; r < grid.gy; ++r)
    for (int c = 0; c < grid.gx; ++c) {
      const double expected = axis_integral(r, grid.gy) * axis_integral(c, grid.gx) * grid.scale * grid.scale;
      worst = std::fmax(worst, std::fabs(total[r * grid.gx + c] - expected));
    }
  check(worst < 1e-12, "node weights sum to the integrals of their basis functions");

  const polychrome::PixelatedWeights threaded = polychrome::pixelated_weights(image, grid, 3);
  check(threaded.row_start == w.row_start && threaded.node == w.node && threaded.weight == w.weight,
        "threads give the same weights");

  std::vector<double> values(static_cast<std::size_t>(nodes));
  for (int i = 0; i < nodes; ++i) values[i] = 1.0 + 0.1 * i + 0.03 * ((i * i) % 7);
  const std::size_t plane = static_cast<std::size_t>(image.nx) * image.ny;
  std::vector<double> jacobian(4 * plane);
  polychrome::pixelated_geometry_jacobian(image, grid, values.data(), jacobian.data(), 1);
  const double h = 1e-6;
  const char* names[4] = {"d/d center x", "d/d center y", "d/d PA", "d/d scale"};
  for (int t = 0; t < 4; ++t) {
    polychrome::PixelatedGrid up = grid, down = grid;
    double* up_field[4] = {&up.center_x, &up.center_y, &up.pa, &up.scale};
    double* down_field[4] = {&down.center_x, &down.center_y, &down.pa, &down.scale};
    *up_field[t] += h;
    *down_field[t] -= h;
    const std::vector<double> a = pixels(image, up, values), b = pixels(image, down, values);
    double diff = 0.0, peak = 0.0;
    for (std::size_t p = 0; p < plane; ++p) {
      const double numeric = (a[p] - b[p]) / (2.0 * h);
      diff = std::fmax(diff, std::fabs(numeric - jacobian[t * plane + p]));
      peak = std::fmax(peak, std::fabs(numeric));
    }
    check(peak > 0.1 && diff < 1e-7 * peak, names[t]);
  }

  polychrome::PixelatedGrid bad = grid;
  bad.gx = 1;
  bool refused = false;
  try {
    polychrome::pixelated_weights(image, bad, 1);
  } catch (const std::invalid_argument&) {
    refused = true;
  }
  check(refused, "one node on an axis is refused");
  bad = grid;
  bad.scale = 0.0;
  refused = false;
  try {
    polychrome::pixelated_weights(image, bad, 1);
  } catch (const std::invalid_argument&) {
    refused = true;
  }
  check(refused, "a zero scale is refused");

  return test_checks::verdict("pixelated render");
}
