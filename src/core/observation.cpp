#include <algorithm>
#include <callgate/core/observation.hpp>

namespace callgate::core {

void add_warning(std::vector<std::string>& warnings, std::string_view w) {
  auto it = std::lower_bound(warnings.begin(), warnings.end(), w);
  if ((it == warnings.end() || *it != w) && warnings.size() < kMaxWarnings)
    warnings.insert(it, std::string(w));
}

std::string_view to_string(Direction d) {
  switch (d) {
    case Direction::inbound:
      return "inbound";
    case Direction::outbound:
      return "outbound";
    case Direction::unknown:
      break;
  }
  return "unknown";
}

std::string_view to_string(Phase p) {
  switch (p) {
    case Phase::ringing:
      return "ringing";
    case Phase::answered:
      return "answered";
    case Phase::ended:
      return "ended";
    case Phase::other:
      break;
  }
  return "other";
}

}  // namespace callgate::core
