#include <sodium.h>

#include <array>
#include <callgate/core/correlate.hpp>

namespace callgate::core {

std::string derive_call_id(std::string_view source, std::string_view call_key) {
  // BLAKE2b-128 over "source \x1f key": stable across restarts and replicas, no collisions between
  // sources that happen to reuse a provider key.
  std::string input;
  input.reserve(source.size() + call_key.size() + 1);
  input.append(source).push_back('\x1f');
  input.append(call_key);
  std::array<unsigned char, 16> digest{};
  crypto_generichash(digest.data(), digest.size(),
                     reinterpret_cast<const unsigned char*>(input.data()), input.size(), nullptr,
                     0);
  std::array<char, 33> hex{};
  sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
  return "call_" + std::string(hex.data(), 32);
}

}  // namespace callgate::core
