// Type lists of profiles: a std::variant extended by more alternatives, or by a wrapper of each.
#pragma once

#include <variant>

namespace polychrome {

/// std::variant<A..., Extra...> from std::variant<A...>.
template <class Variant, class... Extra>
struct VariantAppend;

template <class... A, class... Extra>
struct VariantAppend<std::variant<A...>, Extra...> {
  using type = std::variant<A..., Extra...>;
};

/// std::variant<A..., Wrap<A>...> from std::variant<A...>.
template <class Variant, template <class> class Wrap>
struct VariantWithWrapped;

template <class... A, template <class> class Wrap>
struct VariantWithWrapped<std::variant<A...>, Wrap> {
  using type = std::variant<A..., Wrap<A>...>;
};

}  // namespace polychrome
