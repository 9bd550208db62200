#include <phonenumbers/phonenumberutil.h>

#include <algorithm>
#include <callgate/core/numbers.hpp>
#include <cctype>
#include <unordered_map>

namespace callgate::core {
namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;
using Kind = NumberReading::Kind;

const PhoneNumberUtil& util() { return *PhoneNumberUtil::GetInstance(); }

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

/** What platforms write when there is no number to give. */
bool withheld(std::string_view s) {
  const auto l = lower(s);
  for (const char* word : {"anonymous", "unknown", "private", "restricted", "unavailable",
                           "withheld", "blocked", "unknown caller"})
    if (l == word) return true;
  return false;
}

/** The user part of a sip:, sips: or tel: URI (without parameters), or nullopt for no URI. */
std::optional<std::string_view> uri_user(std::string_view s) {
  const auto l = lower(s.substr(0, std::min<std::size_t>(s.size(), 5)));
  std::size_t skip = 0;
  if (l.starts_with("sips:"))
    skip = 5;
  else if (l.starts_with("sip:") || l.starts_with("tel:"))
    skip = 4;
  else
    return std::nullopt;
  auto user = s.substr(skip);
  user = user.substr(0, user.find('@'));
  return user.substr(0, user.find(';'));
}

/** Only what people write around digits: no letters, which libphonenumber would read as a
 * vanity number (555-CALL-NOW) where a CRM needs what was sent. */
bool number_like(std::string_view s) {
  return !s.empty() && std::ranges::all_of(s, [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) ||
           std::string_view("+-.() /").find(c) != std::string_view::npos;
  });
}

std::string e164(const PhoneNumber& n) {
  std::string out;
  util().Format(n, PhoneNumberUtil::E164, &out);
  return out;
}

std::optional<PhoneNumber> parse(const std::string& text, const std::string& region) {
  PhoneNumber n;
  if (util().Parse(text, region, &n) != PhoneNumberUtil::NO_PARSING_ERROR) return std::nullopt;
  if (util().IsPossibleNumberWithReason(n) != PhoneNumberUtil::IS_POSSIBLE) return std::nullopt;
  // E.164 allows 15 digits; Germany's plan (and so the metadata) allows longer numbers. Found by
  // fuzz_adapters; the input is kept in fuzz/regressions/adapters.
  if (e164(n).size() > 16) return std::nullopt;
  return n;
}

/** Whether "+" and 7 to 15 digits, already written as E.164, is a possible number as written.
 * This is what most platforms send, and libphonenumber's Parse (regular expressions, ~8 µs) is
 * not needed to say yes: the country calling code is the one prefix of 1 to 3 digits the
 * library knows (ITU codes are prefix-free), and the library judges the length of the rest.
 * No is left to Parse, which may still read the number with a trunk prefix taken out
 * (+33 0 4...). */
bool canonical_possible(std::string_view text) {
  if (text.size() < 8 || text.size() > 16 || text[0] != '+' || text[1] == '0') return false;
  for (char c : text.substr(1))
    if (c < '0' || c > '9') return false;
  std::string region;
  for (std::size_t n = 1; n <= 3; ++n) {
    const int code = std::stoi(std::string(text.substr(1, n)));
    util().GetRegionCodeForCountryCode(code, &region);
    if (region == "ZZ") continue;
    const auto national = text.substr(1 + n);
    // A 0 after the country code is a trunk prefix Parse may take out (+44 0 20...), or part of
    // the number (Italy): Parse decides.
    if (national.empty() || national[0] == '0') return false;
    PhoneNumber number;
    number.set_country_code(code);
    number.set_national_number(std::stoull(std::string(national)));
    return util().IsPossibleNumberWithReason(number) == PhoneNumberUtil::IS_POSSIBLE;
  }
  return false;
}

/** A number-like text (no URI, no letters) to E.164, or unreadable. */
NumberReading read_digits(std::string_view raw, std::string_view text, std::string_view region) {
  const auto digits = digits_of(text);
  const bool plus = text.find('+') != std::string_view::npos;
  if (!plus && digits.size() <= 6) return {Kind::not_phone, std::string(raw)};  // an extension
  if (canonical_possible(text)) return {Kind::e164, std::string(text)};
  const std::string reg = region.empty() ? "ZZ" : std::string(region);
  // A valid number is in a range the metadata lists; a possible one only has a possible length.
  // Written with +, possible is enough: the country is given. Without it the reading is a
  // guess, taken only when the metadata confirms it ("030 1234567" is a possible length in the
  // US, but no US number starts with 0). Plivo and Vonage write international numbers without
  // their +: that reading is taken when valid, or when no national reading is even possible.
  const auto national = parse(std::string(text), reg);
  if (national && (plus || util().IsValidNumber(*national))) return {Kind::e164, e164(*national)};
  if (plus) return {Kind::unreadable, std::string(raw)};
  const auto international = parse("+" + digits, "ZZ");
  if (international && (util().IsValidNumber(*international) || !national))
    return {Kind::e164, e164(*international)};
  return {Kind::unreadable, std::string(raw)};
}

NumberReading read_uncached(std::string_view raw, std::string_view region) {
  std::string_view text = raw;
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  if (text.empty() || withheld(text)) return {Kind::not_phone, std::string(raw)};
  if (const auto user = uri_user(text)) {
    // sip:alice@pbx, sip:100@pbx: a user or an extension, kept as it came.
    if (!number_like(*user)) return {Kind::not_phone, std::string(raw)};
    auto r = read_digits(raw, *user, region);
    if (r.kind != Kind::e164) r.kind = Kind::not_phone;  // a URI is an address either way
    return r;
  }
  if (!number_like(text)) {
    // client:alice (Twilio), alice@example.com: an address, not a number gone wrong.
    const bool address = text.find_first_of(":@") != std::string_view::npos;
    return {address ? Kind::not_phone : Kind::unreadable, std::string(raw)};
  }
  return read_digits(raw, text, region);
}

}  // namespace

std::string digits_of(std::string_view s) {
  std::string out;
  for (char c : s)
    if (c >= '0' && c <= '9') out += c;
  return out;
}

NumberReading read_number(std::string_view raw, std::string_view region) {
  // libphonenumber's regular expressions cost some 10-20 µs a number; a call's numbers repeat
  // in each of its events, and a PBX's own numbers in every call.
  thread_local std::unordered_map<std::string, NumberReading> seen;
  std::string key;
  key.reserve(region.size() + 1 + raw.size());
  key.append(region).append(1, '\n').append(raw);
  if (auto it = seen.find(key); it != seen.end()) return it->second;
  auto reading = read_uncached(raw, region);
  if (seen.size() >= 16384) seen.clear();  // some 2 MB a thread at most
  seen.emplace(std::move(key), reading);
  return reading;
}

void normalize_numbers(Observation& obs, const NumberRules& rules) {
  if (!rules.normalize) return;
  auto one = [&](std::string& number, const char* field) {
    if (number.empty()) return;
    auto reading = read_number(number, rules.region);
    if (reading.kind == Kind::unreadable)
      obs.warnings.push_back(std::string(field) + " \"" + number + "\" is not a phone number (" +
                             (rules.region.empty() ? std::string("no default_region")
                                                   : "default_region " + rules.region) +
                             "): sent as received");
    number = std::move(reading.text);
  };
  one(obs.external_number, "externalNumber");
  one(obs.internal_number, "internalNumber");
}

bool known_region(std::string_view region) {
  return region.size() == 2 &&
         std::ranges::all_of(region, [](char c) { return c >= 'A' && c <= 'Z'; }) &&
         util().GetCountryCodeForRegion(std::string(region)) != 0;
}

}  // namespace callgate::core
