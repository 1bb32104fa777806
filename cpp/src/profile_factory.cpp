#include "polychrome/profile_factory.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <type_traits>

namespace polychrome {

namespace {

// A shaped profile's name is "<radial>/<shape>[/warp:<knots>]" or "<radial>/warp:<knots>": e.g.
// "sersic/superellipse", "nuker/fourier:1,3,4" (the Fourier modes after the colon),
// "exponential/warp:0,0.5,1,2" (the warp's knot radii, arcsec), "sersic/superellipse/warp:0,1,3".
struct ProfileName {
  std::string radial, inner, modes, warp_knots;
  bool warp = false;
  bool shaped() const { return warp || !inner.empty(); }
};

ProfileName split_name(const std::string& name) {
  ProfileName parts;
  std::size_t start = 0;
  for (int token = 0; start <= name.size(); ++token) {
    const std::size_t slash = std::min(name.find('/', start), name.size());
    std::string item = name.substr(start, slash - start);
    start = slash + 1;
    if (token == 0) {
      parts.radial = item;
      continue;
    }
    const std::size_t colon = item.find(':');
    const std::string head = item.substr(0, colon);
    const std::string tail = colon == std::string::npos ? "" : item.substr(colon + 1);
    if (head == "warp" && !parts.warp) {
      parts.warp = true;
      parts.warp_knots = tail;
    } else if (parts.inner.empty() && !parts.warp && (head == "superellipse" || head == "fourier")) {
      parts.inner = head;
      parts.modes = tail;
    } else {
      throw std::invalid_argument("unknown or misplaced isophote shape '" + item + "' in '" + name +
                                  "'; known shapes: superellipse, fourier[:modes], then optionally warp:knots");
    }
  }
  return parts;
}

// Comma-separated numbers, each passed through ``check`` (which throws naming what is wrong).
template <class T, class Check>
std::vector<T> parse_list(const std::string& text, const char* what, Check check) {
  std::vector<T> items;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, comma - start);
    std::size_t used = 0;
    double value = 0.0;
    try {
      value = std::stod(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != item.size())
      throw std::invalid_argument(std::string(what) + " must be numbers separated by commas, got '" + text + "'");
    items.push_back(check(value));
    start = comma + 1;
  }
  return items;
}

std::vector<int> parse_modes(const std::string& text) {
  const std::vector<int> modes = parse_list<int>(text.empty() ? "1,3,4" : text, "Fourier modes", [&](double m) {
    if (!(m >= 1.0 && m <= 64.0 && m == std::floor(m)))
      throw std::invalid_argument("Fourier modes must be integers in [1, 64], got '" + text + "'");
    return static_cast<int>(m);
  });
  if (modes.size() > 32) throw std::invalid_argument("Fourier isophotes take 1 to 32 modes, got '" + text + "'");
  return modes;
}

std::vector<double> parse_warp_knots(const std::string& text) {
  const std::vector<double> knots = parse_list<double>(text, "warp knot radii (arcsec)", [](double r) { return r; });
  bool increasing = true;
  for (std::size_t k = 1; k < knots.size(); ++k) increasing = increasing && knots[k] > knots[k - 1];
  if (knots.size() < 2 || knots.size() > 64 || !(knots[0] >= 0.0) || !increasing || !std::isfinite(knots.back()))
    throw std::invalid_argument("warp knot radii (arcsec) must be 2 to 64 finite values, >= 0 and strictly "
                                "increasing, got '" + text + "'");
  return knots;
}

std::size_t inner_count(const ProfileName& name) {
  if (name.inner == "superellipse") return 1;
  if (name.inner == "fourier") return 2 * parse_modes(name.modes).size();
  return 0;
}

std::size_t isophote_count(const ProfileName& name) {
  return inner_count(name) + (name.warp ? 2 * parse_warp_knots(name.warp_knots).size() : 0);
}

InnerIsophote make_inner(const ProfileName& name, const std::vector<double>& p) {
  if (name.inner == "superellipse") {
    require_in_range(p[0], -1.0, 10.0, "C0");
    return SuperellipseIsophote{p[0]};
  }
  if (name.inner == "fourier") {
    FourierIsophote shape;
    shape.modes = parse_modes(name.modes);
    const std::size_t m = shape.modes.size();
    for (std::size_t k = 0; k < m; ++k) {
      require_in_range(p[k], -1.0, 1.0, "am");
      require_finite(p[m + k], "phim");
    }
    shape.amplitudes.assign(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(m));
    shape.set_phases(std::vector<double>(p.begin() + static_cast<std::ptrdiff_t>(m), p.begin() + static_cast<std::ptrdiff_t>(2 * m)));
    return shape;
  }
  return EllipseIsophote{};
}

// The isophote of a shaped profile from its parameters p (the inner shape's, then the warp's).
AnyIsophote make_isophote(const ProfileName& name, const std::vector<double>& p) {
  if (p.size() != isophote_count(name))
    throw std::invalid_argument("the isophote shape takes " + std::to_string(isophote_count(name)) +
                                " parameters (" + (name.inner.empty() ? std::string() : name.inner + "'s, then ") +
                                (name.warp ? "q(R) and PA(R) per warp knot" : "") + "), got " + std::to_string(p.size()));
  const InnerIsophote inner = make_inner(name, p);
  if (!name.warp) {
    if (std::holds_alternative<SuperellipseIsophote>(inner)) return std::get<SuperellipseIsophote>(inner);
    return std::get<FourierIsophote>(inner);
  }
  WarpIsophote warp{inner, HermiteKnots{parse_warp_knots(name.warp_knots)}, {}, {}};
  const std::size_t ni = inner_count(name), K = warp.knots.x.size();
  for (std::size_t k = 0; k < K; ++k) {
    require_in_range(p[ni + k], 0.05, 1.0, "q(R)");
    require_in_range(p[ni + K + k], -1000.0, 1000.0, "PA(R)");
  }
  warp.q_values.assign(p.begin() + static_cast<std::ptrdiff_t>(ni), p.begin() + static_cast<std::ptrdiff_t>(ni + K));
  warp.pa_values.assign(p.begin() + static_cast<std::ptrdiff_t>(ni + K), p.end());
  return warp;
}

void require_count(const std::string& name, const std::vector<double>& params, std::size_t n) {
  if (params.size() != n)
    throw std::invalid_argument(name + " profile takes " + std::to_string(n) +
                                " parameters, got " + std::to_string(params.size()));
}

UntruncatedProfile make_untruncated(const std::string& name, const std::vector<double>& p,
                                    const std::vector<double>& knot_radii) {
  if (name == "sersic") {
    require_count(name, p, 3);
    return SersicProfile(p[0], p[1], p[2]);
  }
  if (name == "exponential") {
    require_count(name, p, 2);
    return ExponentialProfile(p[0], p[1]);
  }
  if (name == "gaussian") {
    require_count(name, p, 2);
    return GaussianProfile(p[0], p[1]);
  }
  if (name == "moffat") {
    require_count(name, p, 3);
    return MoffatProfile(p[0], p[1], p[2]);
  }
  if (name == "nuker") {
    require_count(name, p, 5);
    return NukerProfile(p[0], p[1], p[2], p[3], p[4]);
  }
  if (name == "ferrer") {
    require_count(name, p, 4);
    return FerrerProfile(p[0], p[1], p[2], p[3]);
  }
  if (name == "king") {
    require_count(name, p, 4);
    return KingProfile(p[0], p[1], p[2], p[3]);
  }
  if (name == "spline") {
    require_count(name, p, knot_radii.size());
    return SplineProfile(knot_radii, p);
  }
  std::string known;
  for (const auto& n : profile_names()) known += (known.empty() ? "" : ", ") + n;
  throw std::invalid_argument("unknown profile '" + name + "'; known profiles: " + known);
}

// A truncated radial profile's name is "truncated <radial>" (outer) or "inner truncated <radial>".
struct TruncationName {
  std::string base;  // the untruncated profile's name (the whole name when not truncated)
  bool truncated = false;
  TruncationSide side = TruncationSide::kOuter;
};

TruncationName split_truncation(const std::string& name) {
  TruncationName parts{name};
  for (const std::string& prefix : truncation_names()) {
    const std::string head = prefix + " ";
    if (name.compare(0, head.size(), head) == 0) {
      parts.base = name.substr(head.size());
      parts.truncated = true;
      parts.side = prefix == "truncated" ? TruncationSide::kOuter : TruncationSide::kInner;
    }
  }
  return parts;
}

std::vector<std::string> radial_parameter_names(const std::string& name, int num_knots);

RadialProfile make_radial(const std::string& name, const std::vector<double>& p,
                          const std::vector<double>& knot_radii) {
  const TruncationName t = split_truncation(name);
  if (!t.truncated)
    return std::visit([](auto&& radial) -> RadialProfile { return radial; }, make_untruncated(name, p, knot_radii));
  const std::size_t count = radial_parameter_names(t.base, static_cast<int>(knot_radii.size())).size();
  if (p.size() != count + 2)
    throw std::invalid_argument(name + " profile takes " + std::to_string(count + 2) + " parameters (the " + t.base +
                                " profile's, then Rt and St), got " + std::to_string(p.size()));
  const std::vector<double> own(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(count));
  const double Rt = p[count], St = p[count + 1];
  return std::visit(
      [&](auto&& base) -> RadialProfile {
        return TruncatedProfile<std::decay_t<decltype(base)>>(base, Rt, St, t.side);
      },
      make_untruncated(t.base, own, knot_radii));
}

std::vector<std::string> radial_parameter_names(const std::string& name, int num_knots) {
  const TruncationName t = split_truncation(name);
  if (t.truncated) {
    if (t.base == "edgeon") throw std::invalid_argument("the edge-on disk ('edgeon') takes no truncation");
    std::vector<std::string> names = radial_parameter_names(t.base, num_knots);
    names.push_back("Rt");
    names.push_back("St");
    return names;
  }
  if (name == "sersic") return {"n", "Re", "Ie"};
  if (name == "exponential") return {"Re", "Ie"};
  if (name == "gaussian") return {"sigma", "I0"};
  if (name == "moffat") return {"n", "Rd", "I0"};
  if (name == "nuker") return {"Rb", "alpha", "beta", "gamma", "Ib"};
  if (name == "ferrer") return {"rout", "alpha", "beta", "I0"};
  if (name == "king") return {"Rc", "Rt", "alpha", "I0"};
  if (name == "edgeon") return {"hs", "rs", "I0"};
  if (name == "spline") {
    std::vector<std::string> names;
    for (int k = 0; k < num_knots; ++k) names.push_back("I(R)[" + std::to_string(k) + "]");
    return names;
  }
  throw std::invalid_argument("unknown profile '" + name + "'");
}

// A ray or wedge profile's name is "<radial>/ray[:N]" or "<radial>/wedge[:N]" (N segments, default 2).
struct SectorName {
  std::string radial;
  SectorLayout layout;
};

bool split_sector_name(const std::string& name, SectorName& out) {
  const std::size_t slash = name.find('/');
  if (slash == std::string::npos) return false;
  const std::string item = name.substr(slash + 1);
  const std::size_t colon = item.find(':');
  const std::string head = item.substr(0, colon);
  if (head != "ray" && head != "wedge") return false;
  out.radial = name.substr(0, slash);
  if (split_truncation(out.radial).truncated)
    throw std::invalid_argument("rays and wedges take no truncation, got '" + name + "'");
  out.layout.kind = head == "ray" ? SectorKind::kRay : SectorKind::kWedge;
  out.layout.count = 2;
  if (colon != std::string::npos) {
    const std::string text = item.substr(colon + 1);
    const std::vector<int> count = parse_list<int>(text, "the number of rays or wedges", [&](double m) {
      if (!(m >= 1.0 && m <= SectorLayout::kMaxCount && m == std::floor(m)))
        throw std::invalid_argument("the number of " + head + "s must be an integer in [1, " +
                                    std::to_string(SectorLayout::kMaxCount) + "], got '" + text + "'");
      return static_cast<int>(m);
    });
    if (count.size() != 1)
      throw std::invalid_argument("the number of " + head + "s must be one integer, got '" + text + "'");
    out.layout.count = count[0];
  }
  return true;
}

// Segment k's parameter names: the radial profile's with its index in the model's array (AutoProf's
// per-segment arrays, flattened row by row): "n[k]"; a spline's knot j: "I(R)[k * knots + j]".
std::vector<std::string> sector_parameter_names(const SectorName& sector, int num_knots) {
  const std::vector<std::string> radial = radial_parameter_names(sector.radial, num_knots);
  std::vector<std::string> names;
  const bool spline = sector.radial == "spline";
  for (int k = 0; k < sector.layout.count; ++k)
    for (std::size_t p = 0; p < radial.size(); ++p)
      names.push_back(spline ? "I(R)[" + std::to_string(k * num_knots + static_cast<int>(p)) + "]"
                             : radial[p] + "[" + std::to_string(k) + "]");
  return names;
}

SectorProfile make_sector(const SectorName& sector, const std::vector<double>& p,
                          const std::vector<double>& knot_radii) {
  const std::size_t each = radial_parameter_names(sector.radial, static_cast<int>(knot_radii.size())).size();
  const std::size_t count = static_cast<std::size_t>(sector.layout.count);
  if (p.size() != each * count)
    throw std::invalid_argument("the " + sector.radial + " profile in " + std::to_string(count) + " " +
                                (sector.layout.kind == SectorKind::kRay ? "rays" : "wedges") + " takes " +
                                std::to_string(each * count) + " parameters (" + std::to_string(each) +
                                " per segment, segment by segment), got " + std::to_string(p.size()));
  SectorProfile profile{sector.layout, {}};
  for (std::size_t k = 0; k < count; ++k) {
    const std::vector<double> own(p.begin() + static_cast<std::ptrdiff_t>(k * each),
                                  p.begin() + static_cast<std::ptrdiff_t>((k + 1) * each));
    profile.segments.push_back(make_untruncated(sector.radial, own, knot_radii));
  }
  return profile;
}

}  // namespace

std::vector<std::string> profile_names() {
  return {"sersic", "exponential", "gaussian", "moffat", "spline", "nuker", "ferrer", "king"};
}

AnyProfile make_profile(const std::string& name, const std::vector<double>& p,
                        const std::vector<double>& knot_radii) {
  SectorName sector;
  if (split_sector_name(name, sector)) return make_sector(sector, p, knot_radii);
  const ProfileName parts = split_name(name);
  if (parts.radial == "edgeon") {
    if (parts.shaped())
      throw std::invalid_argument("the edge-on disk ('edgeon') takes no isophote shape, got '" + name + "'");
    require_count(parts.radial, p, 3);
    return EdgeOnDiskProfile(p[0], p[1], p[2]);
  }
  if (!parts.shaped())
    return std::visit([](auto&& radial) -> AnyProfile { return radial; },
                      make_radial(parts.radial, p, knot_radii));
  const std::size_t count = radial_parameter_names(parts.radial, static_cast<int>(knot_radii.size())).size();
  if (p.size() < count)
    throw std::invalid_argument(name + " profile takes the " + std::to_string(count) + " parameters of the " +
                                parts.radial + " profile, then the shape's; got " + std::to_string(p.size()));
  const std::vector<double> radial(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(count));
  const std::vector<double> shape(p.begin() + static_cast<std::ptrdiff_t>(count), p.end());
  return ShapedProfile{make_radial(parts.radial, radial, knot_radii), make_isophote(parts, shape)};
}

std::vector<std::string> profile_parameter_names(const std::string& name, int num_knots) {
  SectorName sector;
  if (split_sector_name(name, sector)) return sector_parameter_names(sector, num_knots);
  const ProfileName parts = split_name(name);
  std::vector<std::string> names = radial_parameter_names(parts.radial, num_knots);
  if (parts.shaped()) {
    // any valid values: the names do not depend on them
    std::vector<double> values(isophote_count(parts), 0.0);
    if (parts.warp)
      std::fill(values.begin() + static_cast<std::ptrdiff_t>(inner_count(parts)), values.end(), 1.0);
    const AnyIsophote shape = make_isophote(parts, values);
    for (const auto& n : std::visit([](const auto& s) { return s.parameter_names(); }, shape)) names.push_back(n);
  }
  return names;
}

std::vector<std::string> nonradial_profile_names() { return {"edgeon"}; }

std::vector<std::string> truncation_names() { return {"truncated", "inner truncated"}; }

std::vector<std::string> isophote_names() { return {"superellipse", "fourier", "warp"}; }

std::vector<std::string> sector_names() { return {"ray", "wedge"}; }

}  // namespace polychrome
