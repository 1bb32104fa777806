#include "polychrome/profile_factory.hpp"

#include <cmath>
#include <stdexcept>

namespace polychrome {

namespace {

// A shaped profile's name is "<radial>/<isophote>", e.g. "sersic/superellipse" or
// "nuker/fourier:1,3,4" (the Fourier modes after the colon).
struct ProfileName {
  std::string radial, isophote, modes;
};

ProfileName split_name(const std::string& name) {
  const std::size_t slash = name.find('/');
  if (slash == std::string::npos) return {name, "", ""};
  ProfileName parts{name.substr(0, slash), name.substr(slash + 1), ""};
  const std::size_t colon = parts.isophote.find(':');
  if (colon != std::string::npos) {
    parts.modes = parts.isophote.substr(colon + 1);
    parts.isophote = parts.isophote.substr(0, colon);
  }
  return parts;
}

std::vector<int> parse_modes(const std::string& text) {
  std::vector<int> modes;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, comma - start);
    std::size_t used = 0;
    int mode = 0;
    try {
      mode = std::stoi(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != item.size() || mode < 1 || mode > 64)
      throw std::invalid_argument("Fourier modes must be integers in [1, 64] separated by commas, got '" + text + "'");
    modes.push_back(mode);
    start = comma + 1;
  }
  if (modes.empty() || modes.size() > 32)
    throw std::invalid_argument("Fourier isophotes take 1 to 32 modes, got '" + text + "'");
  return modes;
}

AnyIsophote make_isophote(const ProfileName& name, const std::vector<double>& p) {
  if (name.isophote == "superellipse") {
    if (p.size() != 1) throw std::invalid_argument("the superellipse isophote takes 1 parameter (C0), got " +
                                                   std::to_string(p.size()));
    require_in_range(p[0], -1.0, 10.0, "C0");
    return SuperellipseIsophote{p[0]};
  }
  if (name.isophote == "fourier") {
    FourierIsophote shape;
    shape.modes = parse_modes(name.modes.empty() ? "1,3,4" : name.modes);
    const std::size_t m = shape.modes.size();
    if (p.size() != 2 * m)
      throw std::invalid_argument("the Fourier isophote with " + std::to_string(m) + " modes takes " +
                                  std::to_string(2 * m) + " parameters (am, then phim), got " + std::to_string(p.size()));
    for (std::size_t k = 0; k < m; ++k) {
      require_in_range(p[k], -1.0, 1.0, "am");
      require_finite(p[m + k], "phim");
    }
    shape.amplitudes.assign(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(m));
    shape.phases.assign(p.begin() + static_cast<std::ptrdiff_t>(m), p.end());
    return shape;
  }
  throw std::invalid_argument("unknown isophote shape '" + name.isophote + "'; known shapes: superellipse, fourier");
}

void require_count(const std::string& name, const std::vector<double>& params, std::size_t n) {
  if (params.size() != n)
    throw std::invalid_argument(name + " profile takes " + std::to_string(n) +
                                " parameters, got " + std::to_string(params.size()));
}

RadialProfile make_radial(const std::string& name, const std::vector<double>& p,
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
  if (name == "spline") {
    require_count(name, p, knot_radii.size());
    return SplineProfile(knot_radii, p);
  }
  std::string known;
  for (const auto& n : profile_names()) known += (known.empty() ? "" : ", ") + n;
  throw std::invalid_argument("unknown profile '" + name + "'; known profiles: " + known);
}

std::vector<std::string> radial_parameter_names(const std::string& name, int num_knots) {
  if (name == "sersic") return {"n", "Re", "Ie"};
  if (name == "exponential") return {"Re", "Ie"};
  if (name == "gaussian") return {"sigma", "I0"};
  if (name == "moffat") return {"n", "Rd", "I0"};
  if (name == "nuker") return {"Rb", "alpha", "beta", "gamma", "Ib"};
  if (name == "spline") {
    std::vector<std::string> names;
    for (int k = 0; k < num_knots; ++k) names.push_back("I(R)[" + std::to_string(k) + "]");
    return names;
  }
  throw std::invalid_argument("unknown profile '" + name + "'");
}

}  // namespace

std::vector<std::string> profile_names() {
  return {"sersic", "exponential", "gaussian", "moffat", "spline", "nuker"};
}

AnyProfile make_profile(const std::string& name, const std::vector<double>& p,
                        const std::vector<double>& knot_radii) {
  const ProfileName parts = split_name(name);
  if (parts.isophote.empty())
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
  const ProfileName parts = split_name(name);
  std::vector<std::string> names = radial_parameter_names(parts.radial, num_knots);
  if (!parts.isophote.empty()) {
    const std::size_t count = parts.isophote == "fourier"
                                  ? 2 * parse_modes(parts.modes.empty() ? "1,3,4" : parts.modes).size()
                                  : 1;
    const AnyIsophote shape = make_isophote(parts, std::vector<double>(count, 0.0));
    for (const auto& n : std::visit([](const auto& s) { return s.parameter_names(); }, shape)) names.push_back(n);
  }
  return names;
}

std::vector<std::string> isophote_names() { return {"superellipse", "fourier"}; }

}  // namespace polychrome
