#pragma once
// In-process cost of one provider's verify + parse on the load generator's own requests: what a
// request costs before the committer, without sockets, for comparing providers on equal bodies.

#include <string>

#include "requests.hpp"

namespace callgate::bench {

/** Prints "verify_us parse_us body_bytes" per request for spec.provider, configured by
 * source_yaml (its `provider:` and keys). */
void adapter_cost(const RequestSpec& spec, const std::string& source_yaml);

}  // namespace callgate::bench
