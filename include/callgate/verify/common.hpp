#pragma once

#include <boost/beast/http/fields.hpp>
#include <callgate/error.hpp>
#include <callgate/time.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace callgate::verify {

/** Request headers as Beast parsed them; verifiers only read them. */
using Headers = boost::beast::http::fields;

/**
 * The value of a header that must appear at most once. nullopt when absent; an error when it
 * appears more than once (a second copy is never silently preferred over the first).
 */
result<std::optional<std::string_view>> single_header(const Headers& h, std::string_view name);

/** Standard base64 (with padding) decode; nullopt on any malformed input. */
std::optional<std::string> base64_decode(std::string_view b64);
/** Standard base64 (with padding) encode. */
std::string base64_encode(std::string_view bytes);

/** Constant-time equality for equal-length byte strings; false when lengths differ. */
bool equal_constant_time(std::string_view a, std::string_view b);

/** Whether t lies within tolerance of now, in either direction. */
bool within_tolerance(TimePoint t, TimePoint now, std::chrono::seconds tolerance);

}  // namespace callgate::verify
