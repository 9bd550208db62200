#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace callgate {

/** Plug-ins by the name they go by in YAML (providers, sink types); Entry has a `name`. */
template <class Entry>
class NamedRegistry {
 public:
  void add(Entry entry) { entries_.push_back(std::move(entry)); }
  const Entry* find(std::string_view name) const {
    for (const auto& e : entries_)
      if (e.name == name) return &e;
    return nullptr;
  }
  std::vector<std::string_view> names() const {
    std::vector<std::string_view> out;
    for (const auto& e : entries_) out.push_back(e.name);
    return out;
  }
  /** "a, b, c": what a configuration error lists as the known names. */
  std::string known() const {
    std::string out;
    for (const auto& e : entries_) out.append(out.empty() ? "" : ", ").append(e.name);
    return out;
  }

 private:
  std::vector<Entry> entries_;
};

}  // namespace callgate
