#include <callgate/core/observation.hpp>

namespace callgate::core {

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
