// A std::vector whose resize() leaves new elements of trivial types uninitialised.
//
// Why: the renderer's cell batches are resized level by level and then written in full by the
// evaluation loop; std::vector's value-initialisation zeroed them first (memset), about 4% of a
// small survey render's instructions (callgrind, recorded survey calls).
#pragma once

#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

namespace polychrome {

/// std::allocator whose default construction is default-initialisation (nothing, for a trivial T).
template <class T>
struct DefaultInitAllocator : std::allocator<T> {
  using std::allocator<T>::allocator;
  template <class U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };
  template <class U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

/// A vector for work space that is written before it is read: resize() does not zero it.
template <class T>
using UninitializedVector = std::vector<T, DefaultInitAllocator<T>>;

}  // namespace polychrome
