#pragma once

#include <callgate/adapters/source.hpp>
#include <callgate/http/handler.hpp>
#include <callgate/store/requests.hpp>
#include <string>
#include <string_view>

namespace callgate::http {

/** Whether the request log keeps a header's value redacted: a header the source's check reads,
 * or any whose name says it carries a credential (authorization, cookie, *signature*, *token*,
 * *secret*, *api-key*, *password*). */
bool secret_header(std::string_view name, const adapters::CheckDescription& check);

/** A credential as the log shows it: an auth scheme word it starts with, then its first four
 * characters (none when it is shorter than 16) and its length: "Bearer eyJh… (212 chars)". */
std::string redact_value(std::string_view value);

/** The request target with the values of query parameters whose names sound secret redacted. */
std::string redact_target(std::string_view target);

/** A record of everything known of a webhook request before it is handled: when, from where,
 * its headers (redacted, with the sealed copy a replay needs) and its body up to the bound.
 * source is null for an unknown source name; check is its describe_check(), made once. */
store::RequestRecord capture(const Request& req, std::string_view source_name,
                             const adapters::Source* source,
                             const adapters::CheckDescription& check, std::string remote,
                             const store::RequestLogConfig& config, TimePoint at);

/** What a refused check looked at, as JSON text: the scheme and what it signs, each header it
 * reads (present or not), the timestamp and its skew, the URLs it signed and where the request
 * actually came, the secrets tried. Never a secret. */
std::string diagnose(const adapters::CheckDescription& check, const Request& req, TimePoint at);

}  // namespace callgate::http
