#pragma once
// A value kept on the heap, with a value's copy and comparison: for a field most calls lack (a
// transcript), so that a call state without one costs a pointer, not the value's size.

#include <memory>
#include <utility>

namespace callgate::core {

/** Empty, or one T: copies copy the T, == compares the T's. */
template <class T>
class Boxed {
 public:
  Boxed() = default;
  Boxed(T value) : p_(std::make_unique<T>(std::move(value))) {}  // NOLINT: a value converts
  Boxed(const Boxed& o) : p_(o.p_ ? std::make_unique<T>(*o.p_) : nullptr) {}
  Boxed(Boxed&&) noexcept = default;
  Boxed& operator=(const Boxed& o) {
    if (this != &o) p_ = o.p_ ? std::make_unique<T>(*o.p_) : nullptr;
    return *this;
  }
  Boxed& operator=(Boxed&&) noexcept = default;
  ~Boxed() = default;

  explicit operator bool() const { return p_ != nullptr; }
  const T* get() const { return p_.get(); }
  const T& operator*() const { return *p_; }
  T& operator*() { return *p_; }
  const T* operator->() const { return p_.get(); }
  T* operator->() { return p_.get(); }
  T& emplace() { return *(p_ = std::make_unique<T>()); }

  friend bool operator==(const Boxed& a, const Boxed& b) {
    return a.p_ ? b.p_ && *a.p_ == *b.p_ : !b.p_;
  }

 private:
  std::unique_ptr<T> p_;
};

}  // namespace callgate::core
