// Exact pixel integrals of a bilinearly interpolated grid (see pixelated_render.hpp).
//
// Everything is done in grid units (u, v): node columns at u = 0 .. gx-1,
// rows at v = 0 .. gy-1. The map from the plane is affine,
//   (u, v) = R(-pa) (x - center) / scale + ((gx-1)/2, (gy-1)/2),
// so an image pixel (a parallelogram on the plane) is a parallelogram Q in
// grid units and plane area = scale^2 x grid area. Cell (k, l) spans
// [k, k+1] x [l, l+1], the outer cells stretched half a cell outwards; on it,
// with local a = u - k, b = v - l, the basis functions are (1-a)(1-b),
// a(1-b), (1-a)b, ab, whose integrals over Q clipped to the cell follow from
// the polygon moments of 1, a, b, ab (Green's theorem, exact).
#include "polychrome/pixelated_render.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>
#include <string>

#include "polychrome/thread_pool.hpp"

namespace polychrome {

namespace {

struct Point {
  double u;
  double v;
};

// A convex polygon of at most 4 + 4 vertices (a parallelogram clipped by a rectangle).
struct Polygon {
  std::array<Point, 12> p{};
  int n = 0;
};

// The affine map from pixel index space (x = column, y = row, corners at
// integers) to grid units: (u, v) = u0 + M (x, y).
struct PixelToGrid {
  double u0 = 0.0, v0 = 0.0;
  double m[2][2] = {{1.0, 0.0}, {0.0, 1.0}};
  double orientation = 1.0;  // sign of det M: +1 when a pixel's corners stay counter-clockwise
  double area_factor = 1.0;  // plane arcsec^2 per grid unit^2 (scale^2)

  Point corner(double x, double y) const {
    return {u0 + m[0][0] * x + m[0][1] * y, v0 + m[1][0] * x + m[1][1] * y};
  }
};

PixelToGrid make_map(const PixelGrid& image, const PixelatedGrid& grid) {
  const double c = std::cos(grid.pa), s = std::sin(grid.pa);
  // A = R(-pa) / scale
  const double a[2][2] = {{c / grid.scale, s / grid.scale}, {-s / grid.scale, c / grid.scale}};
  const double dx = image.origin_x - grid.center_x, dy = image.origin_y - grid.center_y;
  PixelToGrid map;
  map.u0 = a[0][0] * dx + a[0][1] * dy + 0.5 * (grid.gx - 1);
  map.v0 = a[1][0] * dx + a[1][1] * dy + 0.5 * (grid.gy - 1);
  for (int r = 0; r < 2; ++r)
    for (int col = 0; col < 2; ++col) map.m[r][col] = a[r][0] * image.P[0][col] + a[r][1] * image.P[1][col];
  const double det = map.m[0][0] * map.m[1][1] - map.m[0][1] * map.m[1][0];
  map.orientation = det < 0.0 ? -1.0 : 1.0;
  map.area_factor = grid.scale * grid.scale;
  return map;
}

// Cell boundaries along an axis of g nodes: -0.5, 1, 2, ..., g-2, g-0.5.
double boundary(int k, int g) {
  if (k <= 0) return -0.5;
  if (k >= g - 1) return g - 0.5;
  return static_cast<double>(k);
}

// The cell (0 .. g-2) holding coordinate t (inside [-0.5, g-0.5]).
int cell_of(double t, int g) {
  const double f = std::floor(t);
  if (!(f > 0.0)) return 0;
  if (f >= g - 2) return g - 2;
  return static_cast<int>(f);
}

// Keeps the part of `in` where sign * (coordinate - limit) >= 0 (axis 0: u, 1: v).
Polygon clip(const Polygon& in, int axis, double limit, double sign) {
  Polygon out;
  for (int i = 0; i < in.n; ++i) {
    const Point& a = in.p[i];
    const Point& b = in.p[(i + 1) % in.n];
    const double da = sign * ((axis == 0 ? a.u : a.v) - limit);
    const double db = sign * ((axis == 0 ? b.u : b.v) - limit);
    if (da >= 0.0) out.p[out.n++] = a;
    if ((da >= 0.0) != (db >= 0.0)) {
      const double t = da / (da - db);
      Point x{a.u + t * (b.u - a.u), a.v + t * (b.v - a.v)};
      // land exactly on the line (no rounding drift across it)
      (axis == 0 ? x.u : x.v) = limit;
      out.p[out.n++] = x;
    }
  }
  return out;
}

// Signed moments of 1, a, b, ab over a polygon (counter-clockwise positive).
struct Moments {
  double m00 = 0.0, m10 = 0.0, m01 = 0.0, m11 = 0.0;
};

Moments moments(const Polygon& poly) {
  Moments m;
  for (int i = 0; i < poly.n; ++i) {
    const Point& a = poly.p[i];
    const Point& b = poly.p[(i + 1) % poly.n];
    const double cross = a.u * b.v - b.u * a.v;
    m.m00 += cross;
    m.m10 += (a.u + b.u) * cross;
    m.m01 += (a.v + b.v) * cross;
    m.m11 += (a.u * b.v + 2.0 * a.u * a.v + 2.0 * b.u * b.v + b.u * a.v) * cross;
  }
  m.m00 /= 2.0;
  m.m10 /= 6.0;
  m.m01 /= 6.0;
  m.m11 /= 24.0;
  return m;
}

// Up to 4 * (cells a pixel may touch) (node, weight) pairs of one pixel, merged by node.
struct PixelRow {
  std::vector<std::int32_t> node;
  std::vector<double> weight;

  void add(std::int32_t n, double w) {
    for (std::size_t i = 0; i < node.size(); ++i)
      if (node[i] == n) {
        weight[i] += w;
        return;
      }
    node.push_back(n);
    weight.push_back(w);
  }
  void clear() {
    node.clear();
    weight.clear();
  }
};

std::array<Point, 4> pixel_corners(const PixelToGrid& map, int row, int col) {
  const double x = col, y = row;
  return {map.corner(x, y), map.corner(x + 1.0, y), map.corner(x + 1.0, y + 1.0), map.corner(x, y + 1.0)};
}

// Adds pixel (row, col)'s weights to `out` (arcsec^2).
void pixel_weights(const PixelToGrid& map, const PixelatedGrid& grid, int row, int col, PixelRow& out) {
  const std::array<Point, 4> q = pixel_corners(map, row, col);
  double umin = q[0].u, umax = q[0].u, vmin = q[0].v, vmax = q[0].v;
  for (const Point& p : q) {
    umin = std::min(umin, p.u);
    umax = std::max(umax, p.u);
    vmin = std::min(vmin, p.v);
    vmax = std::max(vmax, p.v);
  }
  const double ulo = -0.5, uhi = grid.gx - 0.5, vlo = -0.5, vhi = grid.gy - 0.5;
  if (!(umax > ulo && umin < uhi && vmax > vlo && vmin < vhi)) return;
  const int k0 = cell_of(std::max(umin, ulo), grid.gx), k1 = cell_of(std::min(umax, uhi), grid.gx);
  const int l0 = cell_of(std::max(vmin, vlo), grid.gy), l1 = cell_of(std::min(vmax, vhi), grid.gy);
  const double weight_factor = map.orientation * map.area_factor;
  for (int l = l0; l <= l1; ++l) {
    for (int k = k0; k <= k1; ++k) {
      // the pixel in the cell's local coordinates (a, b) = (u - k, v - l)
      Polygon poly;
      for (const Point& p : q) poly.p[poly.n++] = {p.u - k, p.v - l};
      poly = clip(poly, 0, boundary(k, grid.gx) - k, 1.0);
      if (poly.n >= 3) poly = clip(poly, 0, boundary(k + 1, grid.gx) - k, -1.0);
      if (poly.n >= 3) poly = clip(poly, 1, boundary(l, grid.gy) - l, 1.0);
      if (poly.n >= 3) poly = clip(poly, 1, boundary(l + 1, grid.gy) - l, -1.0);
      if (poly.n < 3) continue;
      const Moments m = moments(poly);
      const std::int32_t n00 = l * grid.gx + k;
      out.add(n00, weight_factor * (m.m00 - m.m10 - m.m01 + m.m11));
      out.add(n00 + 1, weight_factor * (m.m10 - m.m11));
      out.add(n00 + grid.gx, weight_factor * (m.m01 - m.m11));
      out.add(n00 + grid.gx + 1, weight_factor * m.m11);
    }
  }
}

// The interpolant of `values` at (u, v) inside the grid's extent.
double interpolant(const PixelatedGrid& grid, const double* values, double u, double v) {
  const int k = cell_of(u, grid.gx), l = cell_of(v, grid.gy);
  const double a = u - k, b = v - l;
  const double* r0 = values + static_cast<std::size_t>(l) * grid.gx + k;
  const double* r1 = r0 + grid.gx;
  return (1.0 - a) * (1.0 - b) * r0[0] + a * (1.0 - b) * r0[1] + (1.0 - a) * b * r1[0] + a * b * r1[1];
}

// Sorted parameters t in (0, 1) where the segment p + t d crosses the cell boundaries of an axis.
void crossings(double p, double d, int g, std::vector<double>& ts) {
  if (d == 0.0) return;
  for (int k = 0; k < g; ++k) {
    const double t = (boundary(k, g) - p) / d;
    if (t > 0.0 && t < 1.0) ts.push_back(t);
  }
}

}  // namespace

void PixelatedGrid::validate() const {
  if (gx < 2 || gy < 2)
    throw std::invalid_argument("pixelated grid must have at least 2 nodes on each axis, got (gy, gx) = (" +
                                std::to_string(gy) + ", " + std::to_string(gx) + ")");
  if (!std::isfinite(center_x) || !std::isfinite(center_y))
    throw std::invalid_argument("pixelated grid center must be finite (arcsec)");
  if (!std::isfinite(pa)) throw std::invalid_argument("pixelated grid PA must be finite (radians)");
  if (!std::isfinite(scale) || !(scale > 0.0))
    throw std::invalid_argument("pixelated grid pixelscale must be finite and > 0 (arcsec per cell), got " +
                                std::to_string(scale));
}

PixelatedWeights pixelated_weights(const PixelGrid& image, const PixelatedGrid& grid, int threads) {
  image.validate();
  grid.validate();
  const PixelToGrid map = make_map(image, grid);
  std::vector<PixelRow> rows(static_cast<std::size_t>(image.ny));
  std::vector<std::vector<std::int64_t>> counts(static_cast<std::size_t>(image.ny));
  parallel_for(static_cast<std::size_t>(image.ny), threads, [&](std::size_t i, int) {
    PixelRow& all = rows[i];
    std::vector<std::int64_t>& count = counts[i];
    count.assign(static_cast<std::size_t>(image.nx), 0);
    PixelRow one;
    for (int j = 0; j < image.nx; ++j) {
      one.clear();
      pixel_weights(map, grid, static_cast<int>(i), j, one);
      count[j] = static_cast<std::int64_t>(one.node.size());
      all.node.insert(all.node.end(), one.node.begin(), one.node.end());
      all.weight.insert(all.weight.end(), one.weight.begin(), one.weight.end());
    }
  });
  PixelatedWeights out;
  out.row_start.reserve(static_cast<std::size_t>(image.ny) * image.nx + 1);
  out.row_start.push_back(0);
  for (int i = 0; i < image.ny; ++i) {
    for (const std::int64_t c : counts[i]) out.row_start.push_back(out.row_start.back() + c);
    out.node.insert(out.node.end(), rows[i].node.begin(), rows[i].node.end());
    out.weight.insert(out.weight.end(), rows[i].weight.begin(), rows[i].weight.end());
  }
  return out;
}

void pixelated_geometry_jacobian(const PixelGrid& image, const PixelatedGrid& grid, const double* values,
                                 double* out, int threads) {
  image.validate();
  grid.validate();
  const PixelToGrid map = make_map(image, grid);
  const double c = std::cos(grid.pa), s = std::sin(grid.pa);
  const double inv = 1.0 / grid.scale;
  const double ou = 0.5 * (grid.gx - 1), ov = 0.5 * (grid.gy - 1);
  const std::size_t plane = static_cast<std::size_t>(image.ny) * image.nx;
  const double factor = map.orientation * map.area_factor;
  // two-point Gauss-Legendre on [0, 1]: exact for the cubic F(t) (w . n)(t) along an edge piece
  const double g1 = 0.5 - 0.5 / std::sqrt(3.0), g2 = 0.5 + 0.5 / std::sqrt(3.0);
  parallel_for(static_cast<std::size_t>(image.ny), threads, [&](std::size_t i, int) {
    std::vector<double> ts;
    PixelRow row;
    for (int j = 0; j < image.nx; ++j) {
      const std::array<Point, 4> q = pixel_corners(map, static_cast<int>(i), j);
      double e_cx = 0.0, e_cy = 0.0, e_pa = 0.0, e_scale = 0.0;
      for (int e = 0; e < 4; ++e) {
        const Point a = q[e], b = q[(e + 1) % 4];
        const double du = b.u - a.u, dv = b.v - a.v;
        ts.assign({0.0, 1.0});
        crossings(a.u, du, grid.gx, ts);
        crossings(a.v, dv, grid.gy, ts);
        std::sort(ts.begin(), ts.end());
        for (std::size_t p = 0; p + 1 < ts.size(); ++p) {
          const double t0 = ts[p], t1 = ts[p + 1];
          if (!(t1 > t0)) continue;
          const double tm = 0.5 * (t0 + t1);
          const double um = a.u + tm * du, vm = a.v + tm * dv;
          if (um < -0.5 || um > grid.gx - 0.5 || vm < -0.5 || vm > grid.gy - 0.5) continue;
          for (const double g : {g1, g2}) {
            const double t = t0 + g * (t1 - t0);
            const double u = a.u + t * du, v = a.v + t * dv;
            // F x (outward normal x length), half the piece's length in t per point
            const double f = interpolant(grid, values, u, v) * 0.5 * (t1 - t0);
            const double nu = dv, nv = -du;
            const double uc = u - ou, vc = v - ov;
            e_cx += f * (-c * inv * nu + s * inv * nv);
            e_cy += f * (-s * inv * nu - c * inv * nv);
            e_pa += f * (vc * nu - uc * nv);
            e_scale += f * (-uc * inv * nu - vc * inv * nv);
          }
        }
      }
      // the pixel's integral, for d(scale^2)/d(scale) x (grid area)
      row.clear();
      pixel_weights(map, grid, static_cast<int>(i), j, row);
      double value = 0.0;
      for (std::size_t n = 0; n < row.node.size(); ++n) value += row.weight[n] * values[row.node[n]];
      const std::size_t at = i * static_cast<std::size_t>(image.nx) + j;
      out[at] = factor * e_cx;
      out[plane + at] = factor * e_cy;
      out[2 * plane + at] = factor * e_pa;
      out[3 * plane + at] = factor * e_scale + 2.0 * inv * value;
    }
  });
}

}  // namespace polychrome
