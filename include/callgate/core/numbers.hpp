#pragma once

#include <callgate/core/observation.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace callgate::core {

/** How one source's numbers are read: in which region a number without a country code is, and
 * whether to rewrite them at all. */
struct NumberRules {
  std::string region;     ///< ISO 3166-1 alpha-2 ("US", "DE"); empty: none, only + numbers
  bool normalize = true;  ///< false: numbers go out exactly as the platform wrote them
};

/** What one number became. */
struct NumberReading {
  enum class Kind {
    e164,       ///< a phone number, now "+" and digits
    not_phone,  ///< an extension, a SIP user, "anonymous", empty: kept as it came
    unreadable  ///< looks like a number but is none (too long, letters, local only): kept, warned
  };
  Kind kind = Kind::not_phone;
  std::string text;  ///< the E.164 form, or the input unchanged
};

/**
 * Reads one number as a platform sent it, with Google's libphonenumber:
 * - written with + and of a possible length, it becomes E.164;
 * - written with an international prefix (00, 011) or national in `region`, it becomes E.164
 *   when libphonenumber's metadata lists it as valid (a possible length is only a guess there);
 * - a bare number valid when read as international without its + (Plivo, Vonage), or possible
 *   only so, is read so;
 * - a sip:/sips:/tel: URI whose user part is a number gives that number;
 * - digits only, without + and at most 6 of them, is an extension and is kept.
 * Thread-safe; results are remembered per thread, so a repeated number costs a lookup.
 */
NumberReading read_number(std::string_view raw, std::string_view region);

/** Rewrites an observation's externalNumber and internalNumber by read_number under rules, and
 * adds a warning naming the field for each unreadable one. Nothing else changes: a call's
 * identity (call_key, match_key) never depends on how its numbers are written. */
void normalize_numbers(Observation& obs, const NumberRules& rules);

/** The digits of s alone, in order ("+1 (905) 922-7700" gives "19059227700"). */
std::string digits_of(std::string_view s);

/** Whether a region code is one libphonenumber knows ("US", "DE"; not "XX" or "usa"). */
bool known_region(std::string_view region);

}  // namespace callgate::core
