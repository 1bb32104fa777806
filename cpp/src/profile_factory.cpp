#include "polychrome/profile_factory.hpp"

#include <stdexcept>

namespace polychrome {

namespace {

void require_count(const std::string& name, const std::vector<double>& params, std::size_t n) {
  if (params.size() != n)
    throw std::invalid_argument(name + " profile takes " + std::to_string(n) +
                                " parameters, got " + std::to_string(params.size()));
}

}  // namespace

std::vector<std::string> profile_names() {
  return {"sersic", "exponential", "gaussian", "moffat", "spline", "nuker"};
}

AnyProfile make_profile(const std::string& name, const std::vector<double>& p,
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

std::vector<std::string> profile_parameter_names(const std::string& name, int num_knots) {
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

}  // namespace polychrome
