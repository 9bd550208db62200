#include <sodium.h>

#include <callgate/verify/common.hpp>

namespace callgate::verify {

result<std::optional<std::string_view>> single_header(const Headers& h, std::string_view name) {
  auto range = h.equal_range(name);
  if (range.first == range.second) return std::optional<std::string_view>{};
  auto first = range.first;
  if (++range.first != range.second) return make_error_code(errc::bad_signature);
  const auto v = first->value();
  return std::optional<std::string_view>{std::string_view{v.data(), v.size()}};
}

std::optional<std::string> base64_decode(std::string_view b64) {
  std::string out(b64.size() / 4 * 3 + 3, '\0');
  std::size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), b64.data(),
                        b64.size(), nullptr, &len, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != b64.data() + b64.size())
    return std::nullopt;
  out.resize(len);
  return out;
}

std::string base64_encode(std::string_view bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // drop the terminating NUL
  return out;
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  if (a.size() != b.size() || a.empty()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool within_tolerance(TimePoint t, TimePoint now, std::chrono::seconds tolerance) {
  const auto diff = t > now ? t - now : now - t;
  return diff <= tolerance;
}

}  // namespace callgate::verify
